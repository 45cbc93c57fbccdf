package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/models"
)

// OfferingDetail is an offering page.
type OfferingDetail struct {
	OfferingSummary
	// Provider shadows the summary's provider with its page-level facts.
	Provider         ProviderDetail `json:"provider"`
	Description      string         `json:"description"`
	Features         []string       `json:"features"`
	Tags             []string       `json:"tags"`
	FAQ              []models.FAQ   `json:"faq"`
	DocumentationURL string         `json:"documentation_url"`
	DemoURL          string         `json:"demo_url"`
	TermsOfService   string         `json:"terms_of_service"`
	PrivacyPolicyURL string         `json:"privacy_policy_url"`
	Screenshots      []string       `json:"screenshots"`
	Plans            []PlanDTO      `json:"plans"`
	RatingSummary    RatingSummary  `json:"rating_summary"`
	PublishedAt      *time.Time     `json:"published_at,omitempty"`
}

// ProviderDetail is the provider as an offering page shows it.
type ProviderDetail struct {
	ProviderRef
	Description   string `json:"description"`
	Website       string `json:"website"`
	OfferingCount int64  `json:"offering_count"`
}

// RatingSummary is an offering's rating: average, count and a 1–5 star histogram.
type RatingSummary struct {
	Average   float64          `json:"average"`
	Count     int64            `json:"count"`
	Histogram map[string]int64 `json:"histogram"`
}

func (s *Server) routesOfferingDetail(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/offerings/:slug", doc{Summary: "An offering page: provider, plans, features, docs, FAQ, demo, rating summary (ETag, 304)",
		Tag: "catalog", Response: OfferingDetail{}}, s.cached(), s.offeringDetail)
	s.routesReviews(r)
	s.routesCompare(r)
}

func (s *Server) offeringDetail(c *gin.Context) {
	v := s.viewer(c)
	o, err := s.Store.OfferingForViewer(c, v, c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	d := toOfferingDetail(o)
	if d.Provider.OfferingCount, err = s.Store.ProviderOfferingCount(c, v, o.ProviderID); err != nil {
		fail(c, err)
		return
	}
	sum, err := s.Store.RatingSummaryOf(c, o.ID)
	if err != nil {
		fail(c, err)
		return
	}
	d.RatingSummary = toRatingSummary(sum)
	s.recordOfferingView(c, o)
	c.JSON(http.StatusOK, d)
}

// toOfferingDetail converts what the offering row holds; counts that need their
// own queries (provider offering count, rating histogram) are filled by the handler.
func toOfferingDetail(o models.Offering) OfferingDetail {
	d := OfferingDetail{
		OfferingSummary: toOfferingSummary(o), Description: o.Description,
		Features: nonNil(o.Features.V), Tags: nonNil(o.Tags.V), FAQ: o.FAQ.V, DocumentationURL: o.DocumentationURL,
		DemoURL: o.DemoURL, TermsOfService: o.TermsOfService, PrivacyPolicyURL: o.PrivacyPolicyURL,
		Screenshots: nonNil(o.Screenshots.V), Plans: []PlanDTO{}, PublishedAt: o.PublishedAt,
		RatingSummary: toRatingSummary(models.RatingSummary{Average: o.RatingAvg, Count: o.RatingCount}),
	}
	d.Provider.ProviderRef = d.OfferingSummary.Provider
	if o.Provider != nil {
		d.Provider.Description, d.Provider.Website = o.Provider.Description, o.Provider.Website
	}
	if d.FAQ == nil {
		d.FAQ = []models.FAQ{}
	}
	for _, p := range o.Plans {
		d.Plans = append(d.Plans, toPlanDTO(p))
	}
	return d
}

func toRatingSummary(r models.RatingSummary) RatingSummary {
	out := RatingSummary{Average: roundRating(r.Average), Count: r.Count, Histogram: map[string]int64{}}
	for i, n := range r.Histogram {
		out.Histogram[string(rune('1'+i))] = n
	}
	return out
}

// roundRating shows averages with two decimals.
func roundRating(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
