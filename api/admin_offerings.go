package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// ApproveRequest approves a listing; the note is shown to the provider.
type ApproveRequest struct {
	Note string `json:"note"`
}

// RejectRequest rejects a listing; the reason is shown to the provider.
type RejectRequest struct {
	Reason string `json:"reason" binding:"required"`
}

// FeatureRequest sets operator-only listing flags.
type FeatureRequest struct {
	Featured *bool `json:"featured"`
}

// AdminOfferingDTO is an offering in the operators' review queue.
type AdminOfferingDTO struct {
	ID         string            `json:"id"`
	Slug       string            `json:"slug"`
	Name       string            `json:"name"`
	Category   string            `json:"category"`
	State      string            `json:"state"`
	Visibility string            `json:"visibility"`
	Featured   bool              `json:"featured"`
	PackageRef string            `json:"package_ref"`
	Provider   ProviderRef       `json:"provider"`
	Plans      []PlanDTO         `json:"plans"`
	Review     *ListingReviewDTO `json:"review"`
	WorkflowID string            `json:"workflow_id"`
}

// ReviewStatsDTO is how the review desk is doing.
type ReviewStatsDTO struct {
	Pending      int64   `json:"pending"`
	Approved     int     `json:"approved"`
	Rejected     int     `json:"rejected"`
	ChecksFailed int     `json:"checks_failed"`
	ApprovalRate float64 `json:"approval_rate"`
	// Times to approve, from submission to approval, in seconds.
	AvgTimeToApproveSeconds float64 `json:"avg_time_to_approve_seconds"`
	P50TimeToApproveSeconds float64 `json:"p50_time_to_approve_seconds"`
	MaxTimeToApproveSeconds float64 `json:"max_time_to_approve_seconds"`
	Reminders               int     `json:"reminders"`
}

// AdminOfferingList is the review queue with the desk's statistics.
type AdminOfferingList struct {
	Items []AdminOfferingDTO `json:"items"`
	Stats ReviewStatsDTO     `json:"stats"`
}

// AdminOfferingDetail is one offering with its full review history.
type AdminOfferingDetail struct {
	Offering ProviderOfferingDTO `json:"offering"`
	Review   ReviewHistory       `json:"review"`
}

func (s *Server) routesAdminOfferings(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/admin/offerings", doc{Summary: "Review queue with check results, approval rate and time to approve", Tag: "admin",
		Access: accessOperator, Query: []string{"state", "limit"}, Response: AdminOfferingList{}}, s.adminListOfferings)
	s.handle(r, http.MethodGet, "/admin/offerings/:id", doc{Summary: "An offering with its review history", Tag: "admin", Access: accessOperator, Response: AdminOfferingDetail{}}, s.adminGetOffering)
	s.handle(r, http.MethodPost, "/admin/offerings/:id/approve", doc{Summary: "Approve: sends the approve signal; the listing is live when this answers 200", Tag: "admin",
		Access: accessOperator, Body: ApproveRequest{}, Response: AdminOfferingDetail{}}, s.adminDecide(true))
	s.handle(r, http.MethodPost, "/admin/offerings/:id/reject", doc{Summary: "Reject with a reason the provider sees (the reject signal)", Tag: "admin",
		Access: accessOperator, Body: RejectRequest{}, Response: AdminOfferingDetail{}}, s.adminDecide(false))
	s.handle(r, http.MethodPatch, "/admin/offerings/:id", doc{Summary: "Set the featured flag (featured listings lead the home page)", Tag: "admin",
		Access: accessOperator, Body: FeatureRequest{}, Response: AdminOfferingDetail{}}, s.adminPatchOffering)
}

var reviewStates = []string{"checking", "pending_review", "checks_failed", "approved", "rejected", "all"}

func (s *Server) adminListOfferings(c *gin.Context) {
	limit, err := queryLimit(c, 50, 200)
	if err != nil {
		fail(c, err)
		return
	}
	state := c.DefaultQuery("state", string(models.ListingPending))
	valid := false
	for _, v := range reviewStates {
		valid = valid || v == state
	}
	if !valid {
		fail(c, errs.Field("state", "state must be one of %s", strings.Join(reviewStates, ", ")))
		return
	}
	if state == "all" {
		state = ""
	}
	items, err := s.Store.ListingReviewQueue(c, state, limit)
	if err != nil {
		fail(c, err)
		return
	}
	st, err := s.Store.ListingReviewStatistics(c)
	if err != nil {
		fail(c, err)
		return
	}
	out := AdminOfferingList{Items: []AdminOfferingDTO{}, Stats: ReviewStatsDTO{Pending: st.Pending, Approved: st.Approved, Rejected: st.Rejected,
		ChecksFailed: st.ChecksFailed, ApprovalRate: st.ApprovalRate, AvgTimeToApproveSeconds: st.AvgTimeToApprove.Seconds(),
		P50TimeToApproveSeconds: st.P50TimeToApprove.Seconds(), MaxTimeToApproveSeconds: st.MaxTimeToApprove.Seconds(), Reminders: st.RemindersOverSLA}}
	for _, it := range items {
		o := it.Offering
		d := AdminOfferingDTO{ID: o.ID, Slug: o.Slug, Name: o.Name, Category: string(o.Category), State: string(o.State),
			Visibility: string(o.Visibility), Featured: o.Featured, PackageRef: o.PackageRef, Provider: toProviderRef(o.Provider),
			Plans: []PlanDTO{}, Review: toListingReviewDTO(it.Review), WorkflowID: workflows.OfferingApprovalWorkflowID(o.ID)}
		for _, p := range o.Plans {
			d.Plans = append(d.Plans, toPlanDTO(p))
		}
		out.Items = append(out.Items, d)
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) adminDetail(c *gin.Context, id string, status int) {
	o, err := s.Store.OfferingByID(c, id)
	if err != nil {
		fail(c, err)
		return
	}
	view, err := s.offeringView(c, o)
	if err != nil {
		fail(c, err)
		return
	}
	h, err := s.reviewHistory(c, o.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(status, AdminOfferingDetail{Offering: view, Review: h})
}

func (s *Server) adminGetOffering(c *gin.Context) {
	s.adminDetail(c, c.Param("id"), http.StatusOK)
}

// adminDecide sends the approve or reject signal, exactly what
// `temporal workflow signal` sends, then waits (briefly) until the decision is on
// the read model, so the caller can rely on the listing being live on 200.
func (s *Server) adminDecide(approve bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		u := mustUser(c)
		var payload any
		if approve {
			var req ApproveRequest
			if c.Request.ContentLength != 0 && !bindJSON(c, &req) {
				return
			}
			payload = workflows.ApproveSignal{Operator: u.Email, Note: strings.TrimSpace(req.Note)}
		} else {
			var req RejectRequest
			if !bindJSON(c, &req) {
				return
			}
			req.Reason = strings.TrimSpace(req.Reason)
			if req.Reason == "" || len(req.Reason) > 2000 {
				fail(c, errs.Field("reason", "reason must be 1 to 2000 characters: the provider reads it"))
				return
			}
			payload = workflows.RejectSignal{Operator: u.Email, Reason: req.Reason}
		}
		o, err := s.Store.OfferingByID(c, c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		if err := s.mayDecide(c, u, o); err != nil {
			fail(c, err)
			return
		}
		rv, err := s.Store.ListingReviewOf(c, o.ID)
		if err != nil || rv.Status != models.ListingPending {
			fail(c, errs.New(errs.Conflict, "the offering is not waiting for a decision").WithReason("not_pending_review"))
			return
		}
		name := workflows.SignalReject
		if approve {
			name = workflows.SignalApprove
		}
		if err := s.Temporal.SignalWorkflow(c, workflows.OfferingApprovalWorkflowID(o.ID), "", name, payload); err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				fail(c, errs.New(errs.Conflict, "no review is running for this offering").WithReason("not_pending_review"))
				return
			}
			fail(c, err)
			return
		}
		status := http.StatusAccepted
		if s.awaitDecision(c, o.ID, rv.Round) {
			status = http.StatusOK
		}
		s.adminDetail(c, o.ID, status)
	}
}

// mayDecide refuses operators who act for the offering's provider: nobody
// approves their own listing.
func (s *Server) mayDecide(c *gin.Context, u models.User, o models.Offering) error {
	if o.Provider == nil {
		return nil
	}
	if _, err := s.Store.MembershipOf(c, o.Provider.OrganizationID, u.ID); err == nil {
		return errs.New(errs.Forbidden, "you belong to this offering's provider: another operator must decide").WithReason("own_offering")
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	return nil
}

// awaitDecision polls the read model until the round's decision is recorded
// (normally within tens of milliseconds), for at most five seconds.
func (s *Server) awaitDecision(c *gin.Context, offeringID string, round int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rv, err := s.Store.ListingReviewOf(c, offeringID)
		if err == nil && (rv.Round != round || rv.Status != models.ListingPending) {
			return true
		}
		select {
		case <-c.Done():
			return false
		case <-time.After(15 * time.Millisecond):
		}
	}
	return false
}

func (s *Server) adminPatchOffering(c *gin.Context) {
	var req FeatureRequest
	if !bindJSON(c, &req) {
		return
	}
	o, err := s.Store.OfferingByID(c, c.Param("id"))
	if err != nil {
		fail(c, err)
		return
	}
	if req.Featured == nil {
		fail(c, errs.Field("featured", "send featured: true or false"))
		return
	}
	if err := s.Store.UpdateOffering(c, o.ID, map[string]any{"featured": *req.Featured}); err != nil {
		fail(c, err)
		return
	}
	s.adminDetail(c, o.ID, http.StatusOK)
}
