package discovery_test

import (
	"net/http"
	"testing"

	"github.com/cmp-platform/cmp/internal/apptest"
	"github.com/cmp-platform/cmp/models"
)

type review struct {
	ID, Title, Body string
	Rating          int
	AuthorName      string `json:"author_name"`
	Verified        bool   `json:"verified_purchase"`
	Hidden          bool
	Reply           *struct{ Body string }
}

type reviewList struct {
	Items         []review `json:"items"`
	NextCursor    string   `json:"next_cursor"`
	RatingSummary struct {
		Average   float64
		Count     int64
		Histogram map[string]int64
	} `json:"rating_summary"`
}

type offeringPage struct {
	Rating      float64 `json:"rating"`
	RatingCount int64   `json:"rating_count"`
	Provider    struct {
		Name          string
		Rating        float64 `json:"rating"`
		RatingCount   int64   `json:"rating_count"`
		OfferingCount int64   `json:"offering_count"`
	}
	Plans         []struct{ Name string }
	Features      []string
	FAQ           []struct{ Question string }
	DemoURL       string `json:"demo_url"`
	RatingSummary struct {
		Average   float64
		Count     int64
		Histogram map[string]int64
	} `json:"rating_summary"`
}

// TestDiscovery_Reviews is the authorization matrix of reviews: anonymous,
// non-buyer, buyer, another organization, the provider and an operator.
func TestDiscovery_Reviews(t *testing.T) {
	engines(t, func(t *testing.T, e *apptest.Env, _ fixture) {
		const path = "/api/v1/offerings/support-agent/reviews"
		buyer := e.Register("Bea Buyer")
		e.Checkout(buyer, "support-agent", "Starter")
		other := e.Register("Otto Other")
		e.Checkout(other, "support-agent", "Pro")
		stranger := e.Register("Nora Nonbuyer")
		provider := e.Register("Paul Provider")
		var acme models.Provider
		if err := e.Stack.Store.WithContext(t.Context()).Take(&acme, "slug = ?", "acme-ai").Error; err != nil {
			t.Fatal(err)
		}
		if err := e.Stack.Store.WithContext(t.Context()).Create(&models.Membership{OrganizationID: acme.OrganizationID, UserID: provider.ID,
			Role: models.RoleAdmin, CreatedAt: models.Now()}).Error; err != nil {
			t.Fatal(err)
		}
		op := e.Operator()
		body := map[string]any{"rating": 5, "title": "Resolved half our tickets", "body": "Setup took minutes."}

		var mine review
		t.Run("AnonymousMayNotReview", func(t *testing.T) {
			e.Do(http.MethodPost, path, body, "").Must(t, http.StatusUnauthorized)
		})
		t.Run("NonBuyerIsRefusedAsUnverified", func(t *testing.T) {
			r := e.Do(http.MethodPost, path, body, stranger.Token).Must(t, http.StatusForbidden)
			if r.ErrorCode() != "verified_purchase_required" {
				t.Fatalf("code %q", r.ErrorCode())
			}
		})
		t.Run("ProviderMayNotReviewItsOwnOffering", func(t *testing.T) {
			e.Do(http.MethodPost, path, body, provider.Token).Must(t, http.StatusForbidden)
		})
		t.Run("BadInputIs400AndStoresNothing", func(t *testing.T) {
			for _, b := range []map[string]any{{"rating": 0, "title": "x"}, {"rating": 6, "title": "x"}, {"rating": 3, "title": " "}} {
				if r := e.Do(http.MethodPost, path, b, buyer.Token); r.Status != http.StatusBadRequest {
					t.Fatalf("%v: %s", b, r)
				}
			}
			var l reviewList
			e.Do(http.MethodGet, path, nil, "").Must(t, http.StatusOK).JSON(t, &l)
			if len(l.Items) != 0 {
				t.Fatalf("bad input stored a review: %+v", l.Items)
			}
		})
		t.Run("VerifiedBuyerReviewsOncePerOrganization", func(t *testing.T) {
			e.Do(http.MethodPost, path, body, buyer.Token).Must(t, http.StatusCreated).JSON(t, &mine)
			if !mine.Verified || mine.AuthorName != "Bea Buyer" || mine.Rating != 5 {
				t.Fatalf("review %+v", mine)
			}
			if r := e.Do(http.MethodPost, path, body, buyer.Token); r.Status != http.StatusConflict || r.ErrorCode() != "review_exists" {
				t.Fatalf("second review: %s", r)
			}
			e.Do(http.MethodPost, path, map[string]any{"rating": 2, "title": "Too pricey"}, other.Token).Must(t, http.StatusCreated)
			wantRating(t, e, 3.5, 2, map[string]int64{"5": 1, "2": 1})
		})
		t.Run("OtherOrganizationCannotEditTheReview", func(t *testing.T) {
			e.Do(http.MethodPatch, path+"/"+mine.ID, map[string]any{"rating": 1}, other.Token).Must(t, http.StatusNotFound)
			e.Do(http.MethodPatch, path+"/"+mine.ID, map[string]any{"rating": 1}, stranger.Token).Must(t, http.StatusNotFound)
		})
		t.Run("AuthorEditsAndAggregatesFollow", func(t *testing.T) {
			var r review
			e.Do(http.MethodPatch, path+"/"+mine.ID, map[string]any{"rating": 4}, buyer.Token).Must(t, http.StatusOK).JSON(t, &r)
			if r.Rating != 4 || r.Title != "Resolved half our tickets" {
				t.Fatalf("edited %+v", r)
			}
			wantRating(t, e, 3, 2, map[string]int64{"4": 1, "2": 1})
		})
		t.Run("ProviderRepliesOnceBuyersCannot", func(t *testing.T) {
			reply := map[string]any{"body": "Thanks, Bea!"}
			e.Do(http.MethodPost, path+"/"+mine.ID+"/reply", reply, buyer.Token).Must(t, http.StatusForbidden)
			var r review
			e.Do(http.MethodPost, path+"/"+mine.ID+"/reply", reply, provider.Token).Must(t, http.StatusCreated).JSON(t, &r)
			if r.Reply == nil || r.Reply.Body != "Thanks, Bea!" {
				t.Fatalf("reply %+v", r)
			}
			e.Do(http.MethodPost, path+"/"+mine.ID+"/reply", reply, provider.Token).Must(t, http.StatusConflict)
		})
		t.Run("OperatorHidesWithAReasonOthersCannot", func(t *testing.T) {
			hide := map[string]any{"reason": "Off-topic"}
			e.Do(http.MethodPost, path+"/"+mine.ID+"/hide", hide, provider.Token).Must(t, http.StatusForbidden)
			e.Do(http.MethodPost, path+"/"+mine.ID+"/hide", map[string]any{}, op.Token).Must(t, http.StatusBadRequest)
			e.Do(http.MethodPost, path+"/"+mine.ID+"/hide", hide, op.Token).Must(t, http.StatusOK)
			var l reviewList
			e.Do(http.MethodGet, path, nil, "").Must(t, http.StatusOK).JSON(t, &l)
			if len(l.Items) != 1 || l.Items[0].ID == mine.ID {
				t.Fatalf("hidden review still listed: %+v", l.Items)
			}
			wantRating(t, e, 2, 1, map[string]int64{"2": 1})
			e.Do(http.MethodPost, path+"/"+mine.ID+"/unhide", nil, op.Token).Must(t, http.StatusOK)
			wantRating(t, e, 3, 2, map[string]int64{"4": 1, "2": 1})
		})
		t.Run("AnonymousReadsPagedReviews", func(t *testing.T) {
			var p1, p2 reviewList
			e.Do(http.MethodGet, path+"?limit=1", nil, "").Must(t, http.StatusOK).JSON(t, &p1)
			if len(p1.Items) != 1 || p1.NextCursor == "" {
				t.Fatalf("page 1 %+v", p1)
			}
			e.Do(http.MethodGet, path+"?limit=1&cursor="+p1.NextCursor, nil, "").Must(t, http.StatusOK).JSON(t, &p2)
			if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID == p1.Items[0].ID {
				t.Fatalf("page 2 %+v", p2)
			}
			var page offeringPage
			e.Do(http.MethodGet, "/api/v1/offerings/support-agent", nil, "").Must(t, http.StatusOK).JSON(t, &page)
			if page.Provider.OfferingCount != 4 || page.Provider.Name != "Acme AI" || len(page.Plans) != 3 || len(page.FAQ) == 0 || page.DemoURL == "" {
				t.Fatalf("offering page %+v", page)
			}
		})
	})
}

// wantRating checks the rating on the offering page, in the review list and on
// the provider (whose only reviewed offering is support-agent).
func wantRating(t *testing.T, e *apptest.Env, avg float64, count int64, hist map[string]int64) {
	t.Helper()
	var page offeringPage
	e.Do(http.MethodGet, "/api/v1/offerings/support-agent", nil, "").Must(t, http.StatusOK).JSON(t, &page)
	if page.Rating != avg || page.RatingCount != count || page.RatingSummary.Average != avg || page.RatingSummary.Count != count {
		t.Fatalf("offering rating %v/%d, summary %+v; want %v/%d", page.Rating, page.RatingCount, page.RatingSummary, avg, count)
	}
	if page.Provider.Rating != avg || page.Provider.RatingCount != count {
		t.Fatalf("provider rating %v/%d, want %v/%d", page.Provider.Rating, page.Provider.RatingCount, avg, count)
	}
	for _, star := range []string{"1", "2", "3", "4", "5"} {
		if page.RatingSummary.Histogram[star] != hist[star] {
			t.Fatalf("histogram %v, want %v", page.RatingSummary.Histogram, hist)
		}
	}
	var l struct {
		Items []struct{ Slug string }
	}
	e.Do(http.MethodGet, "/api/v1/offerings?min_rating=1", nil, "").Must(t, http.StatusOK).JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0].Slug != "support-agent" {
		t.Fatalf("min_rating=1: %+v", l.Items)
	}
}
