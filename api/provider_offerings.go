package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// OfferingRequest creates an offering (name and category required) or, in a
// PATCH, changes the fields present.
type OfferingRequest struct {
	Category         *string       `json:"category"`
	Name             *string       `json:"name"`
	Summary          *string       `json:"summary"`
	Description      *string       `json:"description"`
	Features         *[]string     `json:"features"`
	Tags             *[]string     `json:"tags"`
	DocumentationURL *string       `json:"documentation_url"`
	FAQ              *[]models.FAQ `json:"faq"`
	TermsOfService   *string       `json:"terms_of_service"`
	PrivacyPolicyURL *string       `json:"privacy_policy_url"`
	DemoURL          *string       `json:"demo_url"`
	Visibility       *string       `json:"visibility"`
	PackageRef       *string       `json:"package_ref"`
}

// ListingReviewDTO is where an offering's review stands, as its provider and operators see it.
type ListingReviewDTO struct {
	Status          string                `json:"status"`
	Round           int                   `json:"round"`
	RevisionID      string                `json:"revision_id,omitempty"`
	Checks          []models.ListingCheck `json:"checks"`
	RejectionReason string                `json:"rejection_reason,omitempty"`
	DecidedBy       string                `json:"decided_by,omitempty"`
	Note            string                `json:"note,omitempty"`
	Reminders       int                   `json:"reminders"`
	SubmittedAt     *time.Time            `json:"submitted_at,omitempty"`
	DecidedAt       *time.Time            `json:"decided_at,omitempty"`
}

// RevisionDTO is a pending change to an active offering's plans.
type RevisionDTO struct {
	ID              string                `json:"id"`
	State           string                `json:"state"`
	Plans           []models.RevisionPlan `json:"plans"`
	RejectionReason string                `json:"rejection_reason,omitempty"`
	UpdatedAt       time.Time             `json:"updated_at"`
}

// ProviderOfferingDTO is an offering as its provider sees it: every field, its
// state, the review and, when rejected, the operator's reason.
type ProviderOfferingDTO struct {
	ID               string            `json:"id"`
	Slug             string            `json:"slug"`
	Name             string            `json:"name"`
	Category         string            `json:"category"`
	Summary          string            `json:"summary"`
	Description      string            `json:"description"`
	Features         []string          `json:"features"`
	Tags             []string          `json:"tags"`
	DocumentationURL string            `json:"documentation_url"`
	FAQ              []models.FAQ      `json:"faq"`
	TermsOfService   string            `json:"terms_of_service"`
	PrivacyPolicyURL string            `json:"privacy_policy_url"`
	DemoURL          string            `json:"demo_url"`
	Visibility       string            `json:"visibility"`
	PackageRef       string            `json:"package_ref"`
	LogoURL          string            `json:"logo_url"`
	Screenshots      []string          `json:"screenshots"`
	State            string            `json:"state"`
	Featured         bool              `json:"featured"`
	StartingPrice    PriceDTO          `json:"starting_price"`
	Plans            []PlanDTO         `json:"plans"`
	RejectionReason  string            `json:"rejection_reason,omitempty"`
	Review           *ListingReviewDTO `json:"review,omitempty"`
	Revision         *RevisionDTO      `json:"revision,omitempty"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	PublishedAt      *time.Time        `json:"published_at,omitempty"`
}

// ProviderOfferingList lists the provider's offerings.
type ProviderOfferingList struct {
	Items []ProviderOfferingDTO `json:"items"`
}

func toListingReviewDTO(r models.ListingReview) *ListingReviewDTO {
	return &ListingReviewDTO{Status: string(r.Status), Round: r.Round, RevisionID: r.RevisionID, Checks: nonNil(r.Checks.V),
		RejectionReason: r.RejectionReason, DecidedBy: r.DecidedBy, Note: r.Note, Reminders: r.Reminders,
		SubmittedAt: r.SubmittedAt, DecidedAt: r.DecidedAt}
}

func toRevisionDTO(r models.OfferingRevision) *RevisionDTO {
	return &RevisionDTO{ID: r.ID, State: string(r.State), Plans: nonNil(r.Plans.V), RejectionReason: r.RejectionReason, UpdatedAt: r.UpdatedAt}
}

func toProviderOfferingDTO(o models.Offering, rv *models.ListingReview, rev *models.OfferingRevision) ProviderOfferingDTO {
	d := ProviderOfferingDTO{
		ID: o.ID, Slug: o.Slug, Name: o.Name, Category: string(o.Category), Summary: o.Summary, Description: o.Description,
		Features: nonNil(o.Features.V), Tags: nonNil(o.Tags.V), DocumentationURL: o.DocumentationURL, FAQ: nonNil(o.FAQ.V),
		TermsOfService: o.TermsOfService, PrivacyPolicyURL: o.PrivacyPolicyURL, DemoURL: o.DemoURL, Visibility: string(o.Visibility),
		PackageRef: o.PackageRef, LogoURL: o.LogoURL, Screenshots: nonNil(o.Screenshots.V), State: string(o.State), Featured: o.Featured,
		StartingPrice: PriceDTO{Amount: o.StartingPrice, Currency: o.Currency, Period: "month"}, Plans: []PlanDTO{},
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, PublishedAt: o.PublishedAt,
	}
	for _, p := range o.Plans {
		d.Plans = append(d.Plans, toPlanDTO(p))
	}
	if rv != nil {
		d.Review = toListingReviewDTO(*rv)
		if rv.Status == models.ListingRejected || rv.Status == models.ListingChecksFailed {
			d.RejectionReason = rv.RejectionReason
		}
	}
	if rev != nil {
		d.Revision = toRevisionDTO(*rev)
	}
	return d
}

func (s *Server) routesProviderOfferings(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/provider/offerings", doc{Summary: "Create a draft offering", Tag: "provider", Access: accessUser,
		Body: OfferingRequest{}, Response: ProviderOfferingDTO{}, Status: http.StatusCreated}, s.createOffering)
	s.handle(r, http.MethodGet, "/provider/offerings", doc{Summary: "Your offerings in every state", Tag: "provider", Access: accessUser,
		Query: []string{"state"}, Response: ProviderOfferingList{}}, s.listProviderOfferings)
	s.handle(r, http.MethodGet, "/provider/offerings/:id", doc{Summary: "One of your offerings with its state, review and rejection reason", Tag: "provider",
		Access: accessUser, Response: ProviderOfferingDTO{}}, s.getProviderOffering)
	s.handle(r, http.MethodPatch, "/provider/offerings/:id", doc{Summary: "Edit an offering (not while under review)", Tag: "provider", Access: accessUser,
		Body: OfferingRequest{}, Response: ProviderOfferingDTO{}}, s.patchOffering)
	s.handle(r, http.MethodDelete, "/provider/offerings/:id", doc{Summary: "Delete a draft offering", Tag: "provider", Access: accessUser, Status: http.StatusNoContent}, s.deleteOffering)
	for _, act := range []string{"pause", "resume", "archive"} {
		s.handle(r, http.MethodPost, "/provider/offerings/:id/"+act, doc{Summary: "Move the offering: " + act, Tag: "provider", Access: accessUser, Response: ProviderOfferingDTO{}}, s.moveOffering(act))
	}
}

// providerOffering loads the :id offering of the caller's provider. Another
// provider's offering is not found, whatever its state.
func (s *Server) providerOffering(c *gin.Context) (models.Provider, models.Offering, error) {
	p, err := s.currentProvider(c)
	if err != nil {
		return p, models.Offering{}, err
	}
	o, err := s.Store.ProviderOffering(c, p.ID, c.Param("id"))
	return p, o, err
}

// editableOffering is providerOffering for handlers that change the offering:
// it also refuses one that is under review or archived. On false it has answered.
func (s *Server) editableOffering(c *gin.Context) (models.Provider, models.Offering, bool) {
	p, o, err := s.providerOffering(c)
	if err == nil {
		err = editable(o)
	}
	if err != nil {
		fail(c, err)
		return p, o, false
	}
	return p, o, true
}

// answerOffering reloads an offering and writes it with its review and revision.
func (s *Server) answerOffering(c *gin.Context, providerID, id string, status int) {
	o, err := s.Store.ProviderOffering(c, providerID, id)
	if err != nil {
		fail(c, err)
		return
	}
	dto, err := s.offeringView(c, o)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, dto)
}

func (s *Server) offeringView(c *gin.Context, o models.Offering) (ProviderOfferingDTO, error) {
	var rvp *models.ListingReview
	if rv, err := s.Store.ListingReviewOf(c, o.ID); err == nil {
		rvp = &rv
	} else if !errs.Is(err, errs.NotFound) {
		return ProviderOfferingDTO{}, err
	}
	var revp *models.OfferingRevision
	if rev, err := s.Store.OpenRevision(c, o.ID); err == nil {
		revp = &rev
	} else if !errs.Is(err, errs.NotFound) {
		return ProviderOfferingDTO{}, err
	}
	return toProviderOfferingDTO(o, rvp, revp), nil
}

func (s *Server) createOffering(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req OfferingRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Name == nil || req.Category == nil {
		fail(c, errs.Field(map[bool]string{true: "name", false: "category"}[req.Name == nil], "name and category are required"))
		return
	}
	now := models.Now()
	o := models.Offering{ID: models.NewID("off"), ProviderID: p.ID, Visibility: models.VisibilityPublic, State: models.OfferingDraft,
		Currency: "usd", Features: models.NewJSON([]string{}), Tags: models.NewJSON([]string{}), FAQ: models.NewJSON([]models.FAQ{}),
		Screenshots: models.NewJSON([]string{}), CreatedAt: now, UpdatedAt: now}
	if _, err := applyOfferingRequest(&o, req); err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.CreateOffering(c, &o); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusCreated)
}

func (s *Server) listProviderOfferings(c *gin.Context) {
	p, err := s.currentProvider(c)
	if err != nil {
		fail(c, err)
		return
	}
	state := c.Query("state")
	if state != "" && !validOfferingState(state) {
		fail(c, errs.Field("state", "state must be draft, pending_review, active, paused, archived or rejected"))
		return
	}
	rows, err := s.Store.ProviderOfferings(c, p.ID, state)
	if err != nil {
		fail(c, err)
		return
	}
	out := ProviderOfferingList{Items: []ProviderOfferingDTO{}}
	for _, o := range rows {
		dto, err := s.offeringView(c, o)
		if err != nil {
			fail(c, err)
			return
		}
		out.Items = append(out.Items, dto)
	}
	c.JSON(http.StatusOK, out)
}

func validOfferingState(v string) bool {
	switch models.OfferingState(v) {
	case models.OfferingDraft, models.OfferingPendingReview, models.OfferingActive, models.OfferingPaused, models.OfferingArchived, models.OfferingRejected:
		return true
	}
	return false
}

func (s *Server) getProviderOffering(c *gin.Context) {
	p, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

func (s *Server) patchOffering(c *gin.Context) {
	p, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req OfferingRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := editable(o); err != nil {
		fail(c, err)
		return
	}
	// The review validated the package with Site-Kit; swapping it on a live
	// offering would deploy an unreviewed package to every new buyer.
	if req.PackageRef != nil && live(o) && strings.TrimSpace(*req.PackageRef) != o.PackageRef {
		fail(c, errs.New(errs.Conflict, "package_ref of a live offering cannot change without a review: publish the new package as a new offering").
			WithReason("package_locked").WithDetails(map[string]any{"field": "package_ref"}))
		return
	}
	fields, err := applyOfferingRequest(&o, req)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.touchOffering(c, o, fields); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

// editable refuses edits while a review is deciding on the offering, or after archive.
func editable(o models.Offering) error {
	switch o.State {
	case models.OfferingPendingReview:
		return errs.New(errs.Conflict, "the offering is under review; wait for the decision before editing").WithReason("under_review")
	case models.OfferingArchived:
		return errs.New(errs.Conflict, "the offering is archived").WithReason("archived")
	}
	return nil
}

// touchOffering writes simple edits. Editing a rejected offering makes it a draft
// again (rejected → draft), ready to resubmit; the review keeps the reason.
func (s *Server) touchOffering(c *gin.Context, o models.Offering, fields map[string]any) error {
	if o.State == models.OfferingRejected {
		return s.Store.MoveOffering(c, o.ID, models.OfferingRejected, models.OfferingDraft, fields)
	}
	if len(fields) == 0 {
		return nil
	}
	return s.Store.UpdateOffering(c, o.ID, fields)
}

func (s *Server) deleteOffering(c *gin.Context) {
	_, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.DeleteDraftOffering(c, o.ID); err != nil {
		fail(c, err)
		return
	}
	s.deleteOfferingBlobs(c, o)
	c.Status(http.StatusNoContent)
}

// moveOffering pauses, resumes or archives. Pausing hides an active listing from
// the marketplace without touching its subscribers.
func (s *Server) moveOffering(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, o, err := s.providerOffering(c)
		if err != nil {
			fail(c, err)
			return
		}
		to := map[string]models.OfferingState{"pause": models.OfferingPaused, "resume": models.OfferingActive, "archive": models.OfferingArchived}[action]
		if action == "resume" && o.State != models.OfferingPaused {
			fail(c, errs.New(errs.Conflict, "only a paused offering can be resumed; submit a draft for review instead").WithReason("invalid_transition"))
			return
		}
		if !o.State.CanBecome(to) {
			fail(c, errs.New(errs.Conflict, "a %s offering cannot be %sd", o.State, strings.TrimSuffix(action, "e")).WithReason("invalid_transition"))
			return
		}
		if err := s.Store.MoveOffering(c, o.ID, o.State, to, nil); err != nil {
			fail(c, err)
			return
		}
		s.answerOffering(c, p.ID, o.ID, http.StatusOK)
	}
}
