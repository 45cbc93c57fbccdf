package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// PlanRequest creates a plan or, in a PATCH, changes the fields present.
// Prices are integer minor units (2900 = 29.00) in a lower-case currency.
type PlanRequest struct {
	Name        *string             `json:"name"`
	Description *string             `json:"description"`
	Prices      *PlanPrices         `json:"prices"`
	Currency    *string             `json:"currency"`
	Components  *[]models.Component `json:"components"`
	Features    *[]string           `json:"features"`
	Limits      *map[string]int64   `json:"limits"`
	Position    *int                `json:"position"`
}

func (s *Server) routesProviderPlans(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/provider/offerings/:id/plans", doc{Summary: "Add a plan (on an active offering: to its revision, reviewed before it sells)",
		Tag: "provider", Access: accessUser, Body: PlanRequest{}, Response: ProviderOfferingDTO{}, Status: http.StatusCreated}, s.createPlan)
	s.handle(r, http.MethodPatch, "/provider/offerings/:id/plans/:plan_id", doc{Summary: "Change a plan (on an active offering: in its revision)",
		Tag: "provider", Access: accessUser, Body: PlanRequest{}, Response: ProviderOfferingDTO{}}, s.patchPlan)
	s.handle(r, http.MethodDelete, "/provider/offerings/:id/plans/:plan_id", doc{Summary: "Remove a plan (on an active offering: in its revision)",
		Tag: "provider", Access: accessUser, Response: ProviderOfferingDTO{}}, s.deletePlan)
}

// applyPlanRequest validates req's fields onto p.
func applyPlanRequest(p *models.RevisionPlan, req PlanRequest) error {
	if req.Name != nil {
		p.Name = strings.TrimSpace(*req.Name)
	}
	if p.Name == "" || len(p.Name) > 60 {
		return errs.Field("name", "name must be 1 to 60 characters")
	}
	if req.Description != nil {
		p.Description = strings.TrimSpace(*req.Description)
		if len(p.Description) > 2000 {
			return errs.Field("description", "description must be at most 2000 characters")
		}
	}
	if req.Prices != nil {
		p.PriceMonthly, p.PriceAnnual = req.Prices.Monthly, req.Prices.Annual
	}
	if req.Currency != nil {
		p.Currency = strings.ToLower(strings.TrimSpace(*req.Currency))
	}
	if p.Currency == "" {
		p.Currency = "usd"
	}
	if req.Components != nil {
		p.Components = *req.Components
	}
	if req.Features != nil {
		items, err := cleanList("features", *req.Features, maxListItems, maxListItem, false)
		if err != nil {
			return err
		}
		p.Features = items
	}
	if req.Limits != nil {
		p.Limits = *req.Limits
	}
	if req.Position != nil {
		p.Position = *req.Position
	}
	if p.Components == nil {
		p.Components = []models.Component{}
	}
	if p.Features == nil {
		p.Features = []string{}
	}
	if p.Limits == nil {
		p.Limits = map[string]int64{}
	}
	if len(p.Components) > 20 || len(p.Limits) > 20 {
		return errs.Field("components", "at most 20 components and 20 limits")
	}
	if msg := models.PlanProblem(*p); msg != "" {
		field := "prices"
		if strings.Contains(msg, "component") {
			field = "components"
		} else if strings.Contains(msg, "limit") {
			field = "limits"
		} else if strings.Contains(msg, "currency") {
			field = "currency"
		}
		return errs.Field(field, "%s", msg)
	}
	return nil
}

func toPlan(offeringID string, p models.RevisionPlan) models.Plan {
	return models.Plan{ID: p.ID, OfferingID: offeringID, Name: p.Name, Description: p.Description, PriceMonthly: p.PriceMonthly,
		PriceAnnual: p.PriceAnnual, Currency: p.Currency, Components: models.NewJSON(p.Components), Features: models.NewJSON(p.Features),
		Limits: models.NewJSON(p.Limits), Position: p.Position}
}

// live reports whether the offering sells: its plans then change only through a
// reviewed revision, so buyers never see an unreviewed price.
func live(o models.Offering) bool {
	return o.State == models.OfferingActive || o.State == models.OfferingPaused
}

// revisionFor returns the offering's open revision, starting one from the live
// plans when there is none. A rejected revision becomes a draft again on edit.
func (s *Server) revisionFor(c *gin.Context, o models.Offering) (models.OfferingRevision, error) {
	rev, err := s.Store.OpenRevision(c, o.ID)
	if err == nil {
		if rev.State == models.RevisionPending {
			return rev, errs.New(errs.Conflict, "the plan revision is under review; wait for the decision").WithReason("under_review")
		}
		rev.State = models.RevisionDraft
		return rev, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return rev, err
	}
	plans := make([]models.RevisionPlan, 0, len(o.Plans))
	for _, p := range o.Plans {
		plans = append(plans, models.ToRevisionPlan(p))
	}
	return models.OfferingRevision{ID: models.NewID("orv"), OfferingID: o.ID, State: models.RevisionDraft, Plans: models.NewJSON(plans),
		CreatedBy: mustUser(c).ID}, nil
}

func (s *Server) createPlan(c *gin.Context) {
	p, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req PlanRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := editable(o); err != nil {
		fail(c, err)
		return
	}
	plan := models.RevisionPlan{Position: len(o.Plans)}
	if err := applyPlanRequest(&plan, req); err != nil {
		fail(c, err)
		return
	}
	if live(o) {
		s.editRevision(c, p, o, func(rev *models.OfferingRevision) error {
			for _, q := range rev.Plans.V {
				if strings.EqualFold(q.Name, plan.Name) && !q.Removed {
					return errs.Field("name", "the offering already has a plan named %q", plan.Name).WithReason("duplicate_plan")
				}
			}
			rev.Plans.V = append(rev.Plans.V, plan)
			return nil
		}, http.StatusCreated)
		return
	}
	now := models.Now()
	row := toPlan(o.ID, plan)
	row.ID, row.CreatedAt, row.UpdatedAt = models.NewID("pln"), now, now
	if err := s.Store.CreatePlan(c, &row); err != nil {
		fail(c, err)
		return
	}
	if err := s.touchOffering(c, o, nil); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusCreated)
}

func (s *Server) patchPlan(c *gin.Context) {
	p, o, err := s.providerOffering(c)
	if err != nil {
		fail(c, err)
		return
	}
	var req PlanRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := editable(o); err != nil {
		fail(c, err)
		return
	}
	id := c.Param("plan_id")
	if live(o) {
		s.editRevision(c, p, o, func(rev *models.OfferingRevision) error {
			for i, q := range rev.Plans.V {
				if q.ID == id || (q.ID == "" && strings.EqualFold(q.Name, id)) {
					if err := applyPlanRequest(&q, req); err != nil {
						return err
					}
					rev.Plans.V[i] = q
					return nil
				}
			}
			return errs.New(errs.NotFound, "plan not found")
		}, http.StatusOK)
		return
	}
	cur, err := models.PlanOf(o, id)
	if err != nil {
		fail(c, err)
		return
	}
	rp := models.ToRevisionPlan(cur)
	if err := applyPlanRequest(&rp, req); err != nil {
		fail(c, err)
		return
	}
	row := toPlan(o.ID, rp)
	row.CreatedAt = cur.CreatedAt
	if err := s.Store.SavePlan(c, &row); err != nil {
		fail(c, err)
		return
	}
	if err := s.touchOffering(c, o, nil); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

func (s *Server) deletePlan(c *gin.Context) {
	p, o, ok := s.editableOffering(c)
	if !ok {
		return
	}
	id := c.Param("plan_id")
	if live(o) {
		s.editRevision(c, p, o, func(rev *models.OfferingRevision) error {
			for i, q := range rev.Plans.V {
				if q.ID == id {
					if sold, err := s.Store.PlanSold(c, id); err != nil || sold {
						if err != nil {
							return err
						}
						return errs.New(errs.Conflict, "this plan has subscribers and cannot be removed; change its price instead").WithReason("plan_sold")
					}
					rev.Plans.V[i].Removed = true
					return nil
				}
				if q.ID == "" && strings.EqualFold(q.Name, id) {
					rev.Plans.V = append(rev.Plans.V[:i], rev.Plans.V[i+1:]...)
					return nil
				}
			}
			return errs.New(errs.NotFound, "plan not found")
		}, http.StatusOK)
		return
	}
	cur, err := models.PlanOf(o, id)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.DeletePlan(c, o.ID, cur.ID); err != nil {
		fail(c, err)
		return
	}
	if err := s.touchOffering(c, o, nil); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, http.StatusOK)
}

// editRevision applies change to the offering's open revision and saves it; the
// live plans keep selling until the revision is approved.
func (s *Server) editRevision(c *gin.Context, p models.Provider, o models.Offering, change func(*models.OfferingRevision) error, status int) {
	rev, err := s.revisionFor(c, o)
	if err != nil {
		fail(c, err)
		return
	}
	if err := change(&rev); err != nil {
		fail(c, err)
		return
	}
	if err := s.Store.SaveRevision(c, &rev); err != nil {
		fail(c, err)
		return
	}
	s.answerOffering(c, p.ID, o.ID, status)
}
