package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// payoutRunWait is how long POST /admin/payouts/run waits for the run to finish
// before answering 202; the run goes on either way.
const payoutRunWait = 20 * time.Second

// RunPayoutsRequest starts a payout run for a month (YYYY-MM); the current month
// pays what is earned to date.
type RunPayoutsRequest struct {
	Period string `json:"period" binding:"required"`
}

// PayoutTotalsDTO sums a period's payouts (minor units).
type PayoutTotalsDTO struct {
	Providers  int64  `json:"providers"`
	Paid       int64  `json:"paid"`
	Held       int64  `json:"held"`
	Failed     int64  `json:"failed"`
	Carried    int64  `json:"carried"`
	Pending    int64  `json:"pending"`
	Gross      int64  `json:"gross"`
	Refunds    int64  `json:"refunds"`
	Fees       int64  `json:"fees"`
	Amount     int64  `json:"amount"`
	HeldAmount int64  `json:"held_amount"`
	Currency   string `json:"currency"`
}

// PayoutRunDTO is a payout run's outcome (the workflow's summary query).
type PayoutRunDTO struct {
	WorkflowID         string          `json:"workflow_id"`
	RunID              string          `json:"run_id"`
	Period             string          `json:"period"`
	State              string          `json:"state"`
	Cutoff             time.Time       `json:"cutoff"`
	Created            int64           `json:"created"`
	Existing           int64           `json:"existing"`
	Batches            int             `json:"batches"`
	PaidThisRun        int64           `json:"paid_this_run"`
	TransferredThisRun int64           `json:"transferred_this_run"`
	HeldThisRun        int64           `json:"held_this_run"`
	FailedThisRun      int64           `json:"failed_this_run"`
	Totals             PayoutTotalsDTO `json:"totals"`
	TemporalUI         string          `json:"temporal_ui,omitempty"`
}

// PayoutDTO is one payout. amount is net to the provider in minor units.
type PayoutDTO struct {
	ID            string     `json:"id"`
	ProviderID    string     `json:"provider_id"`
	Period        string     `json:"period"`
	Amount        int64      `json:"amount"`
	Currency      string     `json:"currency"`
	State         string     `json:"state"`
	Gross         int64      `json:"gross"`
	Refunds       int64      `json:"refunds"`
	Fee           int64      `json:"fee"`
	CommissionBPS int64      `json:"commission_bps"`
	CoveredFrom   *time.Time `json:"covered_from,omitempty"`
	CoveredTo     time.Time  `json:"covered_to"`
	TransferID    string     `json:"transfer_id,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	CarriedInto   string     `json:"carried_into,omitempty"`
	PaidAt        *time.Time `json:"paid_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// ReconciliationDTO says whether a period's payouts agree with the ledger.
type ReconciliationDTO struct {
	Balanced            bool  `json:"balanced"`
	PaidPayouts         int64 `json:"paid_payouts"`
	LedgerPayouts       int64 `json:"ledger_payouts"`
	LedgerEarnings      int64 `json:"ledger_earnings"`
	PaidWithoutTransfer int64 `json:"paid_without_transfer"`
}

// PayoutPeriodDTO is a period's payouts for operators.
type PayoutPeriodDTO struct {
	Period         string            `json:"period"`
	Totals         PayoutTotalsDTO   `json:"totals"`
	Reconciliation ReconciliationDTO `json:"reconciliation"`
	Items          []PayoutDTO       `json:"items"`
}

func toPayoutDTO(p models.Payout) PayoutDTO {
	return PayoutDTO{ID: p.ID, ProviderID: p.ProviderID, Period: p.Period, Amount: p.Amount, Currency: p.Currency, State: string(p.State),
		Gross: p.Gross, Refunds: p.Refunds, Fee: p.Fee, CommissionBPS: p.CommissionBPS, CoveredFrom: p.CoveredFrom, CoveredTo: p.CoveredTo,
		TransferID: p.TransferID, Reason: p.Reason, CarriedInto: p.CarriedInto, PaidAt: p.PaidAt, CreatedAt: p.CreatedAt}
}

func toPayoutTotalsDTO(t models.PayoutTotals) PayoutTotalsDTO {
	return PayoutTotalsDTO{Providers: t.Providers, Paid: t.Paid, Held: t.Held, Failed: t.Failed, Carried: t.Carried, Pending: t.Pending,
		Gross: t.Gross, Refunds: t.Refunds, Fees: t.Fees, Amount: t.Amount, HeldAmount: t.HeldAmt, Currency: t.Currency}
}

func (s *Server) routesAdminPayouts(r *gin.RouterGroup) {
	s.handle(r, http.MethodPost, "/admin/payouts/run", doc{Summary: "Run (or re-run, or backfill) the payouts of a month; never pays twice",
		Tag: "money", Access: accessOperator, Body: RunPayoutsRequest{}, Response: PayoutRunDTO{}}, s.runPayouts)
	s.handle(r, http.MethodGet, "/admin/payouts", doc{Summary: "A month's payouts with totals",
		Tag: "money", Access: accessOperator, Response: PayoutPeriodDTO{}, Query: []string{"period", "state", "provider", "limit"}}, s.adminPayouts)
}

// validPeriod parses a YYYY-MM month that has started.
func validPeriod(field, period string) error {
	start, _, err := models.PeriodBounds(period)
	if err != nil {
		return errs.Field(field, "%s must be a month as YYYY-MM, e.g. 2026-11", field)
	}
	if start.After(time.Now()) {
		return errs.Field(field, "%s %s has not started yet", field, period)
	}
	return nil
}

func (s *Server) runPayouts(c *gin.Context) {
	var req RunPayoutsRequest
	if !bindJSON(c, &req) {
		return
	}
	if err := validPeriod("period", req.Period); err != nil {
		fail(c, err)
		return
	}
	id := workflows.PayoutWorkflowID(req.Period)
	keys := workflows.SearchAttributeKeys
	run, err := s.Temporal.ExecuteWorkflow(c, client.StartWorkflowOptions{
		ID: id, TaskQueue: s.taskQueue(),
		// The database (one payout per provider, period and currency) is what
		// prevents paying twice, so a closed run's ID may be used again.
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    temporal.NewSearchAttributes(keys.Period.ValueSet(req.Period), keys.State.ValueSet(workflows.PayoutRunRunning)),
		Memo:                     map[string]any{"summary": "Payout run for " + req.Period + " (started by " + mustUser(c).Email + ")"},
	}, workflows.MonthlyPayoutWorkflowName, workflows.MonthlyPayoutInput{Period: req.Period})
	if err != nil {
		fail(c, err)
		return
	}
	wctx, cancel := context.WithTimeout(c, payoutRunWait)
	defer cancel()
	var sum workflows.PayoutSummary
	status := http.StatusOK
	if err := run.Get(wctx, &sum); err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeInvalid {
			fail(c, errs.New(errs.Invalid, "%s", appErr.Message()))
			return
		}
		if wctx.Err() == nil {
			fail(c, err)
			return
		}
		// Still running: answer with what it has done so far.
		status = http.StatusAccepted
		qctx, qcancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer qcancel()
		if v, qerr := s.Temporal.QueryWorkflow(qctx, id, run.GetRunID(), workflows.QueryPayoutSummary); qerr == nil {
			_ = v.Get(&sum)
		}
		sum.Period = req.Period
	}
	c.JSON(status, s.toPayoutRunDTO(id, run.GetRunID(), sum))
}

func (s *Server) toPayoutRunDTO(id, runID string, sum workflows.PayoutSummary) PayoutRunDTO {
	d := PayoutRunDTO{WorkflowID: id, RunID: runID, Period: sum.Period, State: sum.State, Cutoff: sum.Cutoff,
		Created: sum.Created, Existing: sum.Existing, Batches: sum.Batches, PaidThisRun: sum.PaidThisRun,
		TransferredThisRun: sum.TransferredThisRun, HeldThisRun: sum.HeldThisRun, FailedThisRun: sum.FailedThisRun,
		Totals: toPayoutTotalsDTO(sum.Totals)}
	if d.State == "" {
		d.State = workflows.PayoutRunRunning
	}
	if s.Config.TemporalUIPort > 0 {
		ns := s.Config.TemporalNamespace
		if ns == "" {
			ns = "default"
		}
		d.TemporalUI = "http://127.0.0.1:" + strconv.Itoa(s.Config.TemporalUIPort) + "/namespaces/" + ns + "/workflows/" + id + "/" + runID
	}
	return d
}

func (s *Server) adminPayouts(c *gin.Context) {
	period := c.Query("period")
	if period == "" {
		period = models.PreviousPeriod(time.Now())
	}
	if _, _, err := models.PeriodBounds(period); err != nil {
		fail(c, errs.Field("period", "period must be a month as YYYY-MM"))
		return
	}
	state := c.Query("state")
	if state != "" && !validPayoutState(state) {
		fail(c, errs.Field("state", "state must be pending, paid, held, failed or carried"))
		return
	}
	limit, err := queryLimit(c, 100, 500)
	if err != nil {
		fail(c, err)
		return
	}
	totals, err := s.Store.PeriodPayoutTotals(c, period)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := s.Store.ListPayouts(c, models.PayoutFilter{Period: period, State: state, ProviderID: c.Query("provider"), Limit: limit})
	if err != nil {
		fail(c, err)
		return
	}
	rec, err := s.Store.ReconcilePeriod(c, period)
	if err != nil {
		fail(c, err)
		return
	}
	out := PayoutPeriodDTO{Period: period, Totals: toPayoutTotalsDTO(totals), Items: []PayoutDTO{},
		Reconciliation: ReconciliationDTO{Balanced: rec.Balanced(), PaidPayouts: rec.PaidPayouts, LedgerPayouts: rec.LedgerPayouts,
			LedgerEarnings: rec.LedgerEarnings, PaidWithoutTransfer: rec.PaidWithoutTransfer}}
	for _, p := range rows {
		out.Items = append(out.Items, toPayoutDTO(p))
	}
	c.JSON(http.StatusOK, out)
}

func validPayoutState(v string) bool {
	switch models.PayoutState(v) {
	case models.PayoutPending, models.PayoutPaid, models.PayoutHeld, models.PayoutFailed, models.PayoutCarried:
		return true
	}
	return false
}
