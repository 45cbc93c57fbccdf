package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/workflows"
)

// a names activities the way the workflows do: methods of a nil *Activities.
var a *activities.Activities

// CheckoutSuite runs every path of the checkout workflow against mocked activities.
type CheckoutSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment

	mu       sync.Mutex
	progress []activities.CheckoutProgress // every RecordCheckoutProgress call, in order
	events   []string                      // "confirmed", "provision", ... in the order they happened
}

func TestCheckoutWorkflow(t *testing.T) { suite.Run(t, new(CheckoutSuite)) }

var checkoutIn = workflows.CheckoutInput{
	UserID: "usr_1", IdempotencyKey: "key-1", RequestHash: "hash-1", OfferingID: "off_1", ProviderID: "prv_1",
	PlanID: "pln_1", BillingCycle: "monthly", Amount: 2900, Currency: "usd", PaymentMethod: "pm_card_visa",
	CustomerEmail: "tess@example.com", AgentName: "Support Agent", ProvisionDeadline: 10 * time.Minute,
}

var refs = activities.PurchaseRefs{OrderID: "ord_1", OrganizationID: "org_1", OrganizationName: "Tess's Organization",
	ProjectID: "prj_1", ProjectName: "Default", SubscriptionID: "sub_1", AgentID: "agt_1"}

func (s *CheckoutSuite) SetupTest() {
	s.progress, s.events = nil, nil
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	s.env = s.NewTestWorkflowEnvironment()
	s.env.RegisterWorkflowWithOptions(workflows.Checkout, workflow.RegisterOptions{Name: workflows.CheckoutWorkflowName})
	// A paid checkout hands its subscription to the billing workflow (tested in subscription_test.go).
	s.env.RegisterWorkflowWithOptions(workflows.Subscription, workflow.RegisterOptions{Name: workflows.SubscriptionWorkflowName})
	s.env.OnWorkflow(workflows.SubscriptionWorkflowName, mock.Anything, mock.Anything).Return(workflows.SubscriptionResult{}, nil).Maybe()
	s.env.RegisterActivity(&activities.Activities{})
	s.env.OnActivity(a.EnsureOrganization, mock.Anything, mock.Anything).Return(activities.EnsureOrganizationResult{
		OrganizationID: refs.OrganizationID, OrganizationName: refs.OrganizationName, ProjectID: refs.ProjectID, ProjectName: refs.ProjectName, Created: true,
	}, nil)
	s.env.OnActivity(a.CreatePurchase, mock.Anything, mock.Anything).Return(refs, nil)
	s.env.OnActivity(a.RecordCheckoutProgress, mock.Anything, mock.Anything).Return(
		func(_ context.Context, p activities.CheckoutProgress) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.progress = append(s.progress, p)
			return nil
		})
}

func (s *CheckoutSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *CheckoutSuite) event(e string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

// chargeOK makes the charge succeed once with the order's idempotency key.
func (s *CheckoutSuite) chargeOK() {
	s.env.OnActivity(a.Charge, mock.Anything, mock.MatchedBy(func(in activities.ChargeInput) bool {
		return in.IdempotencyKey == "charge-"+refs.OrderID && in.Amount == 2900 && in.PaymentMethod == "pm_card_visa"
	})).Return(func(_ context.Context, _ activities.ChargeInput) (activities.ChargeResult, error) {
		s.event("charge")
		return activities.ChargeResult{ChargeID: "ch_1", Status: "succeeded"}, nil
	}).Once()
}

// confirmOutcome is what one confirm update answered.
type confirmOutcome struct {
	accepted, rejected, completed bool
	rejectErr, err                error
	result                        workflows.CheckoutResult
}

// confirm sends the confirm update (as the API does with start) after a delay and
// records its outcome.
func (s *CheckoutSuite) confirm(after time.Duration, id, hash string) *confirmOutcome {
	out := &confirmOutcome{}
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(workflows.UpdateConfirm, id, &testsuite.TestUpdateCallback{
			OnAccept: func() { out.accepted = true },
			OnReject: func(err error) { out.rejected, out.rejectErr = true, err },
			OnComplete: func(v any, err error) {
				out.completed, out.err = true, err
				if r, ok := v.(workflows.CheckoutResult); ok {
					out.result = r
				}
				s.event("confirmed")
			},
		}, workflows.ConfirmRequest{RequestHash: hash})
	}, after)
	return out
}

func (s *CheckoutSuite) result() workflows.CheckoutResult {
	s.Require().True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var r workflows.CheckoutResult
	s.Require().NoError(s.env.GetWorkflowResult(&r))
	return r
}

func (s *CheckoutSuite) lastProgress() activities.CheckoutProgress {
	s.Require().NotEmpty(s.progress)
	return s.progress[len(s.progress)-1]
}

func (s *CheckoutSuite) TestPaymentConfirmedAnswersBeforeProvisioningThenAgentRuns() {
	s.chargeOK()
	s.env.OnActivity(a.Provision, mock.Anything, activities.ProvisionInput{AgentID: refs.AgentID}).Return(
		func(_ context.Context, _ activities.ProvisionInput) (activities.ProvisionResult, error) {
			s.event("provision")
			return activities.ProvisionResult{MCPURL: "http://sitekit/mcp/agt_1"}, nil
		}).Once()
	c := s.confirm(0, "u1", checkoutIn.RequestHash)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Require().True(c.completed, "confirm update never completed")
	s.Require().NoError(c.err)
	s.Equal("executing", c.result.OrderState, "the confirm update answers while provisioning continues")
	s.Equal("provisioning", c.result.AgentStatus)
	s.Equal("ch_1", c.result.ChargeID)
	s.Equal(refs.OrderID, c.result.OrderID)
	s.Equal([]string{"charge", "confirmed", "provision"}, s.events)

	r := s.result()
	s.Equal("done", r.OrderState)
	s.Equal("active", r.SubscriptionState)
	s.Equal("running", r.AgentStatus)
	last := s.lastProgress()
	s.Equal("done", last.OrderState)
	s.Equal("running", last.AgentStatus)
	s.Equal("http://sitekit/mcp/agt_1", last.MCPURL)
	s.Require().NotNil(last.PeriodStart)
	s.Equal(last.PeriodStart.AddDate(0, 1, 0), *last.PeriodEnd, "a monthly plan's first period is one month")
	s.True(s.hasLedger("charge"), "the charge is booked in the ledger")
	s.False(s.hasLedger("refund"))
	s.env.AssertWorkflowCalled(s.T(), workflows.SubscriptionWorkflowName, mock.Anything, mock.MatchedBy(func(in workflows.SubscriptionInput) bool {
		return in.SubscriptionID == refs.SubscriptionID && in.OrderID == refs.OrderID && in.AgentID == refs.AgentID && in.PeriodEnd.Equal(*last.PeriodEnd)
	}))
}

func (s *CheckoutSuite) TestDeclinedCardFailsOrderAndProvisionsNothing() {
	s.env.OnActivity(a.Charge, mock.Anything, mock.Anything).Return(activities.ChargeResult{},
		temporal.NewNonRetryableApplicationError("Your card was declined.", activities.ErrTypeDeclined, nil,
			activities.DeclineDetails{Code: "card_declined", Message: "Your card was declined."})).Once()
	c := s.confirm(0, "u1", checkoutIn.RequestHash)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Require().True(c.completed)
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(c.err, &appErr), "confirm answered %v", c.err)
	s.Equal(workflows.ErrTypeDeclined, appErr.Type())
	var d activities.DeclineDetails
	s.Require().NoError(appErr.Details(&d))
	s.Equal("card_declined", d.Code)

	r := s.result()
	s.Equal("erred", r.OrderState)
	s.Equal("failed", r.AgentStatus)
	s.Equal("card_declined", r.ErrorCode)
	s.env.AssertNotCalled(s.T(), "Provision", mock.Anything, mock.Anything)
	s.env.AssertNotCalled(s.T(), "Refund", mock.Anything, mock.Anything)
	s.env.AssertWorkflowNotCalled(s.T(), workflows.SubscriptionWorkflowName, mock.Anything, mock.Anything)
	last := s.lastProgress()
	s.Equal("erred", last.OrderState)
	s.Equal("card_declined", last.ErrorCode)
	s.False(s.hasLedger("charge"), "a declined card books no money")
}

func (s *CheckoutSuite) TestProvisioningFailureRefundsAndErrsTheOrderWithAReason() {
	s.chargeOK()
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{},
		temporal.NewNonRetryableApplicationError("Site-Kit refused the deployment: package version \"x\" is not a semantic version",
			activities.ErrTypeProvisioning, nil)).Once()
	s.env.OnActivity(a.Refund, mock.Anything, activities.RefundInput{
		IdempotencyKey: "refund-" + refs.OrderID, ChargeID: "ch_1", Amount: 2900, Reason: "provisioning_failed",
	}).Return("re_1", nil).Once()
	c := s.confirm(0, "u1", checkoutIn.RequestHash)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Require().NoError(c.err, "payment went through: the confirm update succeeds")
	r := s.result()
	s.Equal("erred", r.OrderState)
	s.Equal("failed", r.AgentStatus)
	s.Equal("provisioning_failed", r.ErrorCode)
	s.Contains(r.ErrorMessage, "Site-Kit refused the deployment")
	last := s.lastProgress()
	s.Equal("re_1", last.RefundID)
	s.Equal("erred", last.OrderState)
	s.Contains(last.ErrorMessage, "Site-Kit refused the deployment")
	s.True(s.hasLedger("refund"), "the refund is booked in the ledger")
	s.env.AssertWorkflowNotCalled(s.T(), workflows.SubscriptionWorkflowName, mock.Anything, mock.Anything)
}

func (s *CheckoutSuite) TestSiteKitOutageDelaysTheOrderUntilItRecovers() {
	s.chargeOK()
	outage := errors.New("sitekit: 503 unavailable")
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{}, outage).Times(4)
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{MCPURL: "http://sitekit/mcp/agt_1"}, nil).Once()
	c := s.confirm(0, "u1", checkoutIn.RequestHash)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Require().NoError(c.err)
	r := s.result()
	s.Equal("done", r.OrderState)
	s.Equal("running", r.AgentStatus)
	s.env.AssertNotCalled(s.T(), "Refund", mock.Anything, mock.Anything)
}

func (s *CheckoutSuite) TestSiteKitOutagePastTheDeadlineRefunds() {
	s.chargeOK()
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{}, errors.New("sitekit: 503 unavailable"))
	s.env.OnActivity(a.Refund, mock.Anything, mock.MatchedBy(func(in activities.RefundInput) bool {
		return in.IdempotencyKey == "refund-"+refs.OrderID
	})).Return("re_1", nil).Once()
	in := checkoutIn
	in.ProvisionDeadline = time.Minute
	s.confirm(0, "u1", in.RequestHash)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, in)

	r := s.result()
	s.Equal("erred", r.OrderState)
	s.Equal("provisioning_failed", r.ErrorCode)
	s.Contains(r.ErrorMessage, "unreachable until the provisioning deadline")
}

func (s *CheckoutSuite) TestSameKeyTwiceAnswersTheSameOrderAndAnotherBodyIsRefused() {
	s.chargeOK()
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{MCPURL: "http://sitekit/mcp/agt_1"}, nil).Once()
	first := s.confirm(0, "u1", checkoutIn.RequestHash)
	again := s.confirm(0, "u2", checkoutIn.RequestHash)
	other := s.confirm(0, "u3", "another-body")

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Require().NoError(first.err)
	s.Require().NoError(again.err)
	s.Equal(first.result, again.result, "a retried request gets the same answer")
	s.Require().True(other.rejected, "a different body under the same key must be rejected by the validator")
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(other.rejectErr, &appErr))
	s.Equal(workflows.ErrTypeConflict, appErr.Type())
	s.Equal("done", s.result().OrderState)
}

func (s *CheckoutSuite) TestConfirmArrivingAfterPaymentSettledAnswersAtOnce() {
	s.chargeOK()
	// A Site-Kit outage keeps the workflow open for a while after payment.
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{}, errors.New("sitekit down")).Times(5)
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{MCPURL: "http://sitekit/mcp/agt_1"}, nil).Once()
	late := s.confirm(5*time.Second, "late", checkoutIn.RequestHash)
	var stepAtLate string
	s.env.RegisterDelayedCallback(func() {
		v, err := s.env.QueryWorkflow(workflows.QueryCheckoutStatus)
		s.Require().NoError(err)
		var st workflows.CheckoutStatus
		s.Require().NoError(v.Get(&st))
		stepAtLate = st.Step
	}, 5*time.Second)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Equal("provisioning", stepAtLate, "the late update arrived while provisioning was still retrying")
	s.Require().True(late.completed)
	s.Require().NoError(late.err)
	s.Equal("executing", late.result.OrderState)
	s.Equal("ch_1", late.result.ChargeID)
	s.Equal("done", s.result().OrderState)
}

func (s *CheckoutSuite) TestChargeRetriedAfterAnErrorKeepsItsIdempotencyKey() {
	var keys []string
	record := func(args mock.Arguments) {
		s.mu.Lock()
		defer s.mu.Unlock()
		keys = append(keys, args.Get(1).(activities.ChargeInput).IdempotencyKey)
	}
	s.env.OnActivity(a.Charge, mock.Anything, mock.Anything).Run(record).
		Return(activities.ChargeResult{}, errors.New("connection reset")).Once()
	s.env.OnActivity(a.Charge, mock.Anything, mock.Anything).Run(record).
		Return(activities.ChargeResult{ChargeID: "ch_1", Status: "succeeded"}, nil).Once()
	s.env.OnActivity(a.Provision, mock.Anything, mock.Anything).Return(activities.ProvisionResult{MCPURL: "http://sitekit/mcp/agt_1"}, nil).Once()
	s.confirm(0, "u1", checkoutIn.RequestHash)

	s.env.ExecuteWorkflow(workflows.CheckoutWorkflowName, checkoutIn)

	s.Equal("done", s.result().OrderState)
	s.Equal([]string{"charge-ord_1", "charge-ord_1"}, keys, "a retry repeats the same idempotency key, so the provider charges once")
}

func (s *CheckoutSuite) hasLedger(kind string) bool {
	for _, p := range s.progress {
		if p.LedgerKind == kind {
			return true
		}
	}
	return false
}

// TestCheckout_ReplaysRecordedHistories is the determinism guard: every history
// under testdata/ (recorded from a real dev server by the e2e crash test) must
// replay with the current workflow code. A change that breaks it would break
// checkouts in flight; gate it with workflow.GetVersion.
func TestCheckout_ReplaysRecordedHistories(t *testing.T) {
	files := recordedHistories(t)
	require.NotEmpty(t, files, "no recorded checkout history under workflows/testdata")
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".json"), func(t *testing.T) {
			r := newReplayer(t)
			require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/"+f),
				"Checkout no longer replays a recorded history: gate the change with workflow.GetVersion so running "+
					"checkouts keep their path, or (only while nothing runs in production) re-record with "+
					"CMP_RECORD_HISTORY=1 go test ./e2e -run 'WorkerLost|EveryEnding'")
		})
	}
}

// recordedHistories lists the JSON histories under testdata/.
func recordedHistories(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "checkout") && strings.HasSuffix(e.Name(), ".json") {
			out = append(out, e.Name())
		}
	}
	return out
}

// newReplayer registers every workflow by its contract name, as the worker does.
func newReplayer(t *testing.T) worker.WorkflowReplayer {
	t.Helper()
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(workflows.Checkout, workflow.RegisterOptions{Name: workflows.CheckoutWorkflowName})
	r.RegisterWorkflowWithOptions(workflows.AgentSync, workflow.RegisterOptions{Name: workflows.AgentSyncWorkflowName})
	return r
}
