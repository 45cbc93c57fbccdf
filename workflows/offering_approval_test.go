package workflows_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/suite"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/activities"
	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// ApprovalSuite runs the listing review against mocked activities.
type ApprovalSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment

	mu       sync.Mutex
	records  []activities.ReviewRecord
	answers  []workflows.SubmitResult
	refusals []error
}

func TestOfferingApprovalWorkflow(t *testing.T) { suite.Run(t, new(ApprovalSuite)) }

var passed = activities.CheckOfferingResult{Passed: true, Checks: []activities.Check{
	{Name: activities.CheckRequiredFields, Passed: true}, {Name: activities.CheckPlans, Passed: true},
	{Name: activities.CheckPrices, Passed: true}, {Name: activities.CheckPackage, Passed: true},
}}

var failedPlans = activities.CheckOfferingResult{Passed: false, Summary: "automated checks failed: add at least one plan", Checks: []activities.Check{
	{Name: activities.CheckRequiredFields, Passed: true}, {Name: activities.CheckPlans, Message: "add at least one plan"},
	{Name: activities.CheckPrices, Passed: true}, {Name: activities.CheckPackage, Passed: true},
}}

var approvalIn = workflows.OfferingApprovalInput{OfferingID: "off_1", ProviderID: "prv_1", SLA: time.Hour}

func (s *ApprovalSuite) SetupTest() {
	s.records, s.answers, s.refusals = nil, nil, nil
	s.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	s.env = s.NewTestWorkflowEnvironment()
	s.env.RegisterWorkflowWithOptions(workflows.OfferingApproval, workflow.RegisterOptions{Name: workflows.OfferingApprovalWorkflowName})
	s.env.RegisterActivity(&activities.Activities{})
	s.env.OnActivity(a.RecordReview, mock.Anything, mock.Anything).Return(func(_ context.Context, r activities.ReviewRecord) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.records = append(s.records, r)
		return nil
	})
}

func (s *ApprovalSuite) checksPass() {
	s.env.OnActivity(a.CheckOffering, mock.Anything, activities.CheckOfferingInput{OfferingID: "off_1"}).Return(passed, nil)
}

// submit sends the submit update after d, recording the answer or refusal.
func (s *ApprovalSuite) submit(d time.Duration) {
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(workflows.UpdateSubmit, "", &testsuite.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { s.mu.Lock(); s.refusals = append(s.refusals, err); s.mu.Unlock() },
			OnComplete: func(v any, err error) {
				if err == nil {
					s.mu.Lock()
					s.answers = append(s.answers, v.(workflows.SubmitResult))
					s.mu.Unlock()
				}
			},
		}, workflows.SubmitRequest{SubmittedBy: "usr_seller"})
	}, d)
}

func (s *ApprovalSuite) signal(d time.Duration, name string, payload any) {
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(name, payload) }, d)
}

func (s *ApprovalSuite) status() workflows.OfferingApprovalStatus {
	v, err := s.env.QueryWorkflow(workflows.QueryOfferingApprovalStatus)
	s.Require().NoError(err)
	var st workflows.OfferingApprovalStatus
	s.Require().NoError(v.Get(&st))
	return st
}

func (s *ApprovalSuite) kinds() []string {
	var out []string
	for _, r := range s.records {
		out = append(out, r.Kind)
	}
	return out
}

func (s *ApprovalSuite) result() workflows.OfferingApprovalResult {
	s.Require().True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var res workflows.OfferingApprovalResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	return res
}

func (s *ApprovalSuite) TestApprove_ChecksPassThenOperatorApprovesAndListingGoesLive() {
	s.checksPass()
	s.submit(0)
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Equal(workflows.ReviewPending, st.State)
		s.Len(st.Checks, 4)
	}, 10*time.Minute)
	s.signal(20*time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local", Note: "LGTM"})
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, approvalIn)

	res := s.result()
	s.Equal(workflows.OfferingApprovalResult{Round: 1, Operator: "ops@cmp.local", Note: "LGTM"}, res)
	s.Equal([]string{models.ListingEventSubmitted, models.ListingEventChecksPassed, models.ListingEventApproved}, s.kinds())
	s.Equal("ops@cmp.local", s.records[2].Actor)
	s.Require().Len(s.answers, 1)
	s.Equal(workflows.ReviewPending, s.answers[0].State)
	s.Equal(workflows.ReviewApproved, s.status().State)
	// Each step carries a distinct idempotency key from the run, round and step.
	seen := map[string]bool{}
	for _, r := range s.records {
		s.False(seen[r.DedupeKey], r.DedupeKey)
		seen[r.DedupeKey] = true
	}
}

func (s *ApprovalSuite) TestRejectThenResubmit_ReviewedAgainWithHistoryKept() {
	s.checksPass()
	s.submit(0)
	s.signal(time.Minute, workflows.SignalReject, workflows.RejectSignal{Operator: "ops@cmp.local", Reason: "add screenshots"})
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Equal(workflows.ReviewRejected, st.State)
		s.Equal("add screenshots", st.History[len(st.History)-1].Note)
	}, 2*time.Minute)
	s.submit(3 * time.Minute)
	s.signal(4*time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local"})
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, approvalIn)

	s.Equal(2, s.result().Round)
	s.Equal([]string{"submitted", "checks_passed", "rejected", "submitted", "checks_passed", "approved"}, s.kinds())
	s.Equal("add screenshots", s.records[2].Note)
	s.Equal(2, s.records[3].Round)
	st := s.status()
	s.Len(st.History, 6, "the status query keeps the whole history")
	s.Len(s.answers, 2)
}

func (s *ApprovalSuite) TestFailedChecks_RejectWithoutOperatorAndWaitForFix() {
	s.env.OnActivity(a.CheckOffering, mock.Anything, mock.Anything).Return(failedPlans, nil).Once()
	s.env.OnActivity(a.CheckOffering, mock.Anything, mock.Anything).Return(passed, nil).Once()
	s.submit(0)
	// An approve while nothing awaits a decision is dropped, not kept for later.
	s.signal(time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local"})
	s.submit(2 * time.Minute)
	s.env.RegisterDelayedCallback(func() { s.Equal(workflows.ReviewPending, s.status().State) }, 3*time.Minute)
	s.signal(4*time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local"})
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, approvalIn)

	s.Equal(2, s.result().Round)
	s.Equal([]string{"submitted", "checks_failed", "submitted", "checks_passed", "approved"}, s.kinds())
	s.Contains(s.records[1].Note, "add at least one plan")
	s.Require().Len(s.answers, 2)
	s.Equal(workflows.ReviewChecksFailed, s.answers[0].State)
	s.Equal(1, s.status().Ignored)
}

func (s *ApprovalSuite) TestSLA_ReminderThenEscalationOnDurableTimer() {
	s.checksPass()
	s.submit(0)
	s.env.RegisterDelayedCallback(func() { s.Equal(1, s.status().Reminders) }, 90*time.Minute)
	s.signal(150*time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local"})
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, approvalIn)

	s.result()
	s.Equal([]string{"submitted", "checks_passed", "reminder", "reminder", "approved"}, s.kinds())
	s.Contains(s.records[2].Note, "reminder")
	s.Contains(s.records[3].Note, "escalation")
	s.Equal(2, s.status().Reminders)
}

func (s *ApprovalSuite) TestMalformedSignals_LoggedAndIgnoredNeverFailTheWorkflow() {
	s.checksPass()
	s.submit(0)
	s.signal(time.Minute, workflows.SignalApprove, "garbage")
	s.signal(2*time.Minute, workflows.SignalApprove, map[string]any{"operator": ""})
	s.signal(3*time.Minute, workflows.SignalReject, map[string]any{"operator": "ops@cmp.local"}) // no reason
	s.signal(4*time.Minute, workflows.SignalApprove, 42)
	s.signal(5*time.Minute, workflows.SignalApprove, map[string]any{"operator": 7})
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Equal(workflows.ReviewPending, st.State, "still waiting for a real decision")
		s.Equal(5, st.Ignored)
	}, 6*time.Minute)
	s.signal(7*time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local", Note: "finally"})
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, approvalIn)

	s.Equal("finally", s.result().Note)
	s.Equal([]string{"submitted", "checks_passed", "approved"}, s.kinds())
}

func (s *ApprovalSuite) TestSubmitWhileUnderReview_Refused() {
	s.checksPass()
	s.submit(0)
	s.submit(time.Minute)
	s.signal(2*time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local"})
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, approvalIn)

	s.result()
	s.Require().Len(s.refusals, 1)
	s.Contains(s.refusals[0].Error(), "already under review")
	s.Len(s.answers, 1)
}

func (s *ApprovalSuite) TestRevision_ChecksTheRevisionAndRecordsItsID() {
	s.env.OnActivity(a.CheckOffering, mock.Anything, activities.CheckOfferingInput{OfferingID: "off_1", RevisionID: "orv_1"}).Return(passed, nil)
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(workflows.UpdateSubmit, "", &testsuite.TestUpdateCallback{OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}},
			workflows.SubmitRequest{RevisionID: "orv_1", SubmittedBy: "usr_seller"})
	}, 0)
	s.signal(time.Minute, workflows.SignalApprove, workflows.ApproveSignal{Operator: "ops@cmp.local"})
	in := approvalIn
	in.FirstRound = 3
	in.History = []workflows.ReviewEvent{{Round: 3, Kind: "approved", Actor: "ops@cmp.local"}}
	s.env.ExecuteWorkflow(workflows.OfferingApprovalWorkflowName, in)

	s.Equal(4, s.result().Round, "rounds continue after earlier runs")
	for _, r := range s.records {
		s.Equal("orv_1", r.RevisionID)
	}
	s.Len(s.status().History, 4)
}
