package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// ReviewRequest writes a review: a rating from 1 to 5 with a title and body.
// Organization picks which of the caller's buying organizations reviews.
type ReviewRequest struct {
	Rating       int    `json:"rating"`
	Title        string `json:"title"`
	Body         string `json:"body"`
	Organization string `json:"organization,omitempty"`
}

// ReviewEdit changes a review; omitted fields stay.
type ReviewEdit struct {
	Rating *int    `json:"rating"`
	Title  *string `json:"title"`
	Body   *string `json:"body"`
}

// ReplyRequest is the provider's public answer to a review.
type ReplyRequest struct {
	Body string `json:"body"`
}

// HideRequest is an operator's reason for hiding a review.
type HideRequest struct {
	Reason string `json:"reason"`
}

// ReviewDTO is a review as shown on an offering page.
type ReviewDTO struct {
	ID               string    `json:"id"`
	Rating           int       `json:"rating"`
	Title            string    `json:"title"`
	Body             string    `json:"body"`
	AuthorName       string    `json:"author_name"`
	VerifiedPurchase bool      `json:"verified_purchase"`
	Reply            *ReplyDTO `json:"reply,omitempty"`
	Hidden           bool      `json:"hidden,omitempty"`
	HiddenReason     string    `json:"hidden_reason,omitempty"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ReplyDTO is the provider's reply to a review.
type ReplyDTO struct {
	Body      string     `json:"body"`
	RepliedAt *time.Time `json:"replied_at"`
}

// ReviewList is a page of an offering's reviews, newest first.
type ReviewList struct {
	Items         []ReviewDTO   `json:"items"`
	NextCursor    string        `json:"next_cursor"`
	RatingSummary RatingSummary `json:"rating_summary"`
}

func (s *Server) routesReviews(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/offerings/:slug/reviews", doc{Summary: "An offering's reviews, newest first, with its rating summary (ETag, 304)",
		Tag: "reviews", Query: []string{"limit", "cursor"}, Response: ReviewList{}}, s.cached(), s.listReviews)
	s.handle(r, http.MethodPost, "/offerings/:slug/reviews", doc{Summary: "Review an offering your organization bought (one per organization)",
		Tag: "reviews", Access: accessUser, Body: ReviewRequest{}, Response: ReviewDTO{}, Status: http.StatusCreated}, s.createReview)
	s.handle(r, http.MethodPatch, "/offerings/:slug/reviews/:id", doc{Summary: "Edit your organization's review",
		Tag: "reviews", Access: accessUser, Body: ReviewEdit{}, Response: ReviewDTO{}}, s.editReview)
	s.handle(r, http.MethodPost, "/offerings/:slug/reviews/:id/reply", doc{Summary: "The provider's one public reply to a review",
		Tag: "reviews", Access: accessUser, Body: ReplyRequest{}, Response: ReviewDTO{}, Status: http.StatusCreated}, s.replyReview)
	s.handle(r, http.MethodPost, "/offerings/:slug/reviews/:id/hide", doc{Summary: "Hide a review from the offering page and its rating (operators)",
		Tag: "reviews", Access: accessOperator, Body: HideRequest{}, Response: ReviewDTO{}}, s.hideReview)
	s.handle(r, http.MethodPost, "/offerings/:slug/reviews/:id/unhide", doc{Summary: "Show a hidden review again (operators)",
		Tag: "reviews", Access: accessOperator, Response: ReviewDTO{}}, s.unhideReview)
}

func (s *Server) listReviews(c *gin.Context) {
	limit, err := queryLimit(c, 20, 100)
	if err != nil {
		fail(c, err)
		return
	}
	o, err := s.Store.OfferingForViewer(c, s.viewer(c), c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ListReviews(c, o.ID, c.Query("cursor"), limit+1)
	if err != nil {
		fail(c, err)
		return
	}
	sum, err := s.Store.RatingSummaryOf(c, o.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := ReviewList{Items: []ReviewDTO{}, RatingSummary: toRatingSummary(sum)}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = rows[limit-1].ID
	}
	for _, r := range rows {
		out.Items = append(out.Items, toReviewDTO(r))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) createReview(c *gin.Context) {
	u := mustUser(c)
	var req ReviewRequest
	if !bindJSON(c, &req) {
		return
	}
	title, body, err := validateReview(req.Rating, req.Title, req.Body)
	if err != nil {
		fail(c, err)
		return
	}
	o, err := s.Store.OfferingForViewer(c, s.viewer(c), c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	org, err := s.Store.PurchasingOrganization(c, u.ID, o.ID, req.Organization)
	if err != nil {
		fail(c, err)
		return
	}
	now := models.Now()
	r := models.Review{ID: models.NewID("rev"), OfferingID: o.ID, OrganizationID: org, UserID: u.ID, Rating: req.Rating,
		Title: title, Body: body, CreatedAt: now, UpdatedAt: now}
	if err := s.Store.CreateReview(c, &r); err != nil {
		fail(c, err)
		return
	}
	r.AuthorName = u.Name
	c.JSON(http.StatusCreated, toReviewDTO(r))
}

// editReview lets the author, or an owner or admin of the reviewing organization,
// change the review. Anyone else is told it does not exist.
func (s *Server) editReview(c *gin.Context) {
	u := mustUser(c)
	var req ReviewEdit
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.reviewAt(c)
	if err != nil {
		fail(c, err)
		return
	}
	m, err := s.Store.MembershipOf(c, r.OrganizationID, u.ID)
	if err != nil {
		fail(c, errs.New(errs.NotFound, "review not found"))
		return
	}
	if r.UserID != u.ID && !m.Role.CanManage() {
		fail(c, errs.New(errs.Forbidden, "only the author or an owner or admin of the organization may edit this review"))
		return
	}
	rating, title, body := r.Rating, r.Title, r.Body
	if req.Rating != nil {
		rating = *req.Rating
	}
	if req.Title != nil {
		title = *req.Title
	}
	if req.Body != nil {
		body = *req.Body
	}
	if title, body, err = validateReview(rating, title, body); err != nil {
		fail(c, err)
		return
	}
	r, err = s.Store.UpdateReview(c, r, map[string]any{"rating": rating, "title": title, "body": body})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toReviewDTO(r))
}

// replyReview is for owners and admins of the organization behind the offering's provider.
func (s *Server) replyReview(c *gin.Context) {
	u := mustUser(c)
	var req ReplyRequest
	if !bindJSON(c, &req) {
		return
	}
	body := strings.TrimSpace(req.Body)
	if body == "" || len(body) > 4000 {
		fail(c, errs.Field("body", "body is required, at most 4000 characters"))
		return
	}
	r, err := s.reviewAt(c)
	if err != nil {
		fail(c, err)
		return
	}
	if r.Hidden {
		fail(c, errs.New(errs.NotFound, "review not found"))
		return
	}
	o, err := s.Store.OfferingForViewer(c, s.viewer(c), c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	if o.Provider == nil {
		fail(c, errs.New(errs.NotFound, "offering not found"))
		return
	}
	if m, err := s.Store.MembershipOf(c, o.Provider.OrganizationID, u.ID); err != nil || !m.Role.CanManage() {
		fail(c, errs.New(errs.Forbidden, "only an owner or admin of the offering's provider may reply to its reviews").WithReason("not_the_provider"))
		return
	}
	if r, err = s.Store.ReplyToReview(c, r, u.ID, body); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toReviewDTO(r))
}

func (s *Server) hideReview(c *gin.Context) {
	var req HideRequest
	if !bindJSON(c, &req) {
		return
	}
	reason := strings.TrimSpace(req.Reason)
	if reason == "" || len(reason) > 500 {
		fail(c, errs.Field("reason", "reason is required, at most 500 characters"))
		return
	}
	s.setHidden(c, true, reason)
}

func (s *Server) unhideReview(c *gin.Context) { s.setHidden(c, false, "") }

func (s *Server) setHidden(c *gin.Context, hidden bool, reason string) {
	r, err := s.reviewAt(c)
	if err != nil {
		fail(c, err)
		return
	}
	fields := map[string]any{"hidden": hidden, "hidden_reason": reason, "hidden_by": mustUser(c).ID, "hidden_at": nil}
	if hidden {
		fields["hidden_at"] = models.Now()
	}
	if r, err = s.Store.UpdateReview(c, r, fields); err != nil {
		fail(c, err)
		return
	}
	d := toReviewDTO(r)
	d.Hidden, d.HiddenReason = r.Hidden, r.HiddenReason
	c.JSON(http.StatusOK, d)
}

// reviewAt loads the :id review of the :slug offering the caller may see.
func (s *Server) reviewAt(c *gin.Context) (models.Review, error) {
	o, err := s.Store.OfferingForViewer(c, s.viewer(c), c.Param("slug"))
	if err != nil {
		return models.Review{}, err
	}
	return s.Store.BuyerReviewOf(c, o.ID, c.Param("id"))
}

func validateReview(rating int, title, body string) (string, string, error) {
	title, body = strings.TrimSpace(title), strings.TrimSpace(body)
	switch {
	case rating < 1 || rating > 5:
		return title, body, errs.Field("rating", "rating must be an integer from 1 to 5")
	case title == "" || len(title) > 200:
		return title, body, errs.Field("title", "title is required, at most 200 characters")
	case len(body) > 10000:
		return title, body, errs.Field("body", "body must be at most 10000 characters")
	}
	return title, body, nil
}

func toReviewDTO(r models.Review) ReviewDTO {
	d := ReviewDTO{ID: r.ID, Rating: r.Rating, Title: r.Title, Body: r.Body, AuthorName: r.AuthorName, VerifiedPurchase: true,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.ReplyBody != "" {
		d.Reply = &ReplyDTO{Body: r.ReplyBody, RepliedAt: r.RepliedAt}
	}
	return d
}
