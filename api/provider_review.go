package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// ReviewEventDTO is one step of a listing review.
type ReviewEventDTO struct {
	Round      int                   `json:"round"`
	Kind       string                `json:"kind"`
	Actor      string                `json:"actor,omitempty"`
	Note       string                `json:"note,omitempty"`
	RevisionID string                `json:"revision_id,omitempty"`
	Checks     []models.ListingCheck `json:"checks,omitempty"`
	At         time.Time             `json:"at"`
}

// ReviewHistory is an offering's review and every step of it across submissions.
type ReviewHistory struct {
	OfferingID string            `json:"offering_id"`
	WorkflowID string            `json:"workflow_id"`
	Review     *ListingReviewDTO `json:"review,omitempty"`
	History    []ReviewEventDTO  `json:"history"`
}

// SharesRequest shares a private offering with organizations.
type SharesRequest struct {
	OrganizationIDs []string `json:"organization_ids" binding:"required"`
}

// SharesDTO lists the organizations that may see and buy a private offering.
type SharesDTO struct {
	OrganizationIDs []string `json:"organization_ids"`
}

func (s *Server) routesProviderReview(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/provider/offerings/:id/submit", doc{Summary: "Submit for review (a draft, a rejected offering, or an active offering's plan revision); answers after the automated checks",
		Tag: "provider", Access: accessUser, Response: ProviderOfferingDTO{}}, s.submitOffering)
	s.handle(r, http.MethodGet, "/provider/offerings/:id/review", doc{Summary: "The review and its full history", Tag: "provider", Access: accessUser, Response: ReviewHistory{}}, s.providerReviewHistory)
	s.handle(r, http.MethodGet, "/provider/offerings/:id/shares", doc{Summary: "Organizations a private offering is shared with", Tag: "provider", Access: accessUser, Response: SharesDTO{}}, s.listShares)
	s.handle(r, http.MethodPost, "/provider/offerings/:id/shares", doc{Summary: "Share a private offering with organizations", Tag: "provider", Access: accessUser, Body: SharesRequest{}, Response: SharesDTO{}}, s.addShares)
	s.handle(r, http.MethodDelete, "/provider/offerings/:id/shares/:org_id", doc{Summary: "Stop sharing with an organization", Tag: "provider", Access: accessUser, Response: SharesDTO{}}, s.removeShare)
}

func (s *Server) submitOffering(c *gin.Context) {
	p, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	req := workflows.SubmitRequest{SubmittedBy: mustUser(c).Email}
	switch {
	case o.State == models.OfferingDraft || o.State == models.OfferingRejected:
	case live(o):
		rev, err := s.Store.OpenRevision(c, o.ID)
		if errs.Is(err, errs.NotFound) {
			fail(c, errs.New(errs.Conflict, "the offering is live and has no plan changes to review; edit its plans first").WithReason("nothing_to_submit"))
			return
		}
		if err != nil {
			fail(c, err)
			return
		}
		if rev.State == models.RevisionPending {
			fail(c, errs.New(errs.Conflict, "the plan revision is already under review").WithReason("under_review"))
			return
		}
		req.RevisionID = rev.ID
	case o.State == models.OfferingPendingReview:
		fail(c, errs.New(errs.Conflict, "the offering is already under review").WithReason("under_review"))
		return
	default:
		fail(c, errs.New(errs.Conflict, "a %s offering cannot be submitted", o.State).WithReason("invalid_transition"))
		return
	}
	if _, err := s.startReview(c, p, o, req); err != nil {
		fail(c, reviewError(err))
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

// startReview submits through Update-With-Start: it starts the offering's review
// workflow if none runs (a new run keeps the earlier history) and waits until
// the automated checks of this submission have run.
func (s *Server) startReview(c *gin.Context, p models.Provider, o models.Offering, req workflows.SubmitRequest) (workflows.SubmitResult, error) {
	in := workflows.OfferingApprovalInput{OfferingID: o.ID, ProviderID: p.ID, SLA: s.Config.ApprovalSLA}
	events, err := s.Store.ListingReviewEvents(c, o.ID)
	if err != nil {
		return workflows.SubmitResult{}, err
	}
	for _, e := range events {
		in.History = append(in.History, workflows.ReviewEvent{Round: e.Round, Kind: e.Kind, Actor: e.Actor, Note: e.Note, RevisionID: e.RevisionID, At: e.At})
		in.FirstRound = max(in.FirstRound, e.Round)
	}
	id := workflows.OfferingApprovalWorkflowID(o.ID)
	keys := workflows.SearchAttributeKeys
	start := s.Temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: id, TaskQueue: s.taskQueue(),
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(keys.Offering.ValueSet(o.ID), keys.Provider.ValueSet(p.ID),
			keys.State.ValueSet(workflows.ReviewIdle)),
		Memo: map[string]any{"summary": "Listing review of " + o.Name + " (" + o.Slug + ") by " + p.Name},
	}, workflows.OfferingApprovalWorkflowName, in)
	h, err := s.Temporal.UpdateWithStartWorkflow(c, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.UpdateSubmit,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{req}},
	})
	if err != nil {
		return workflows.SubmitResult{}, err
	}
	var res workflows.SubmitResult
	err = h.Get(c, &res)
	return res, err
}

// reviewError maps the review workflow's refusals to coded errors.
func reviewError(err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeConflict {
		return errs.New(errs.Conflict, "%s", appErr.Message()).WithReason("under_review")
	}
	return err
}

func (s *Server) reviewHistory(c *gin.Context, offeringID string) (ReviewHistory, error) {
	out := ReviewHistory{OfferingID: offeringID, WorkflowID: workflows.OfferingApprovalWorkflowID(offeringID), History: []ReviewEventDTO{}}
	if rv, err := s.Store.ListingReviewOf(c, offeringID); err == nil {
		out.Review = toListingReviewDTO(rv)
	} else if !errs.Is(err, errs.NotFound) {
		return out, err
	}
	events, err := s.Store.ListingReviewEvents(c, offeringID)
	if err != nil {
		return out, err
	}
	for _, e := range events {
		out.History = append(out.History, ReviewEventDTO{Round: e.Round, Kind: e.Kind, Actor: e.Actor, Note: e.Note,
			RevisionID: e.RevisionID, Checks: e.Checks.V, At: e.At})
	}
	return out, nil
}

func (s *Server) providerReviewHistory(c *gin.Context) {
	_, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	h, err := s.reviewHistory(c, o.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, h)
}

func (s *Server) answerShares(c *gin.Context, offeringID string) {
	ids, err := s.Store.OfferingShares(c, offeringID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, SharesDTO{OrganizationIDs: nonNil(ids)})
}

func (s *Server) listShares(c *gin.Context) {
	_, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	s.answerShares(c, o.ID)
}

func (s *Server) addShares(c *gin.Context) {
	_, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req SharesRequest
	if !bindJSON(c, &req) {
		return
	}
	if len(req.OrganizationIDs) == 0 || len(req.OrganizationIDs) > 100 {
		fail(c, errs.Field("organization_ids", "organization_ids must list 1 to 100 organizations"))
		return
	}
	ids, err := cleanList("organization_ids", req.OrganizationIDs, 100, 64, false)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.ShareOffering(c, o.ID, ids); err != nil {
		fail(c, err)
		return
	}
	s.answerShares(c, o.ID)
}

func (s *Server) removeShare(c *gin.Context) {
	_, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.UnshareOffering(c, o.ID, c.Param("org_id")); err != nil {
		fail(c, err)
		return
	}
	s.answerShares(c, o.ID)
}
