package workflows

import (
	"time"

	"github.com/cmp-platform/cmp/activities"
)

// OfferingApprovalWorkflowName is the registered name of OfferingApproval.
const OfferingApprovalWorkflowName = "OfferingApproval"

// OfferingApprovalWorkflowID names an offering's review. One run reviews one
// submission and its resubmissions until approved; a later plan revision starts a
// new run under the same ID.
func OfferingApprovalWorkflowID(offeringID string) string { return "offering-approval-" + offeringID }

// Signals an operator sends, from the API or straight from the Temporal CLI/UI:
//
//	temporal workflow signal --workflow-id offering-approval-<id> --name approve \
//	  --input '{"operator":"ops@cmp.local","note":"LGTM"}'
const (
	SignalApprove = "approve"
	SignalReject  = "reject"
)

// UpdateSubmit submits (or resubmits) the offering; it answers with the
// automated checks of that round. Sent with start by POST .../submit.
const UpdateSubmit = "submit"

// QueryOfferingApprovalStatus returns OfferingApprovalStatus: the checks and the
// decision history.
const QueryOfferingApprovalStatus = "status"

// ApproveSignal is the payload of SignalApprove. Operator is required.
type ApproveSignal struct {
	Operator string `json:"operator"`
	Note     string `json:"note,omitempty"`
}

// RejectSignal is the payload of SignalReject. Operator and Reason are required:
// the provider sees the reason.
type RejectSignal struct {
	Operator string `json:"operator"`
	Reason   string `json:"reason"`
}

// SubmitRequest is the payload of UpdateSubmit. RevisionID is set when an
// active offering's plan revision is submitted.
type SubmitRequest struct {
	RevisionID  string `json:"revision_id,omitempty"`
	SubmittedBy string `json:"submitted_by"`
}

// SubmitResult answers UpdateSubmit once the automated checks of the round ran.
type SubmitResult struct {
	Round  int                `json:"round"`
	State  string             `json:"state"` // pending_review | checks_failed
	Checks []activities.Check `json:"checks"`
}

// OfferingApprovalInput starts a review run.
type OfferingApprovalInput struct {
	OfferingID string
	ProviderID string
	// SLA is how long a submission may wait for a decision before the reminder
	// (and then, every further SLA, an escalation) fires. Zero means 48 h.
	SLA time.Duration
	// History carries earlier runs' events so the status query shows them all.
	History []ReviewEvent
	// FirstRound numbers this run's first submission after earlier runs'.
	FirstRound int
}

// Review states of OfferingApprovalStatus.State.
const (
	ReviewIdle         = "idle" // waiting for a (re)submission
	ReviewChecking     = "checking"
	ReviewPending      = "pending_review"
	ReviewChecksFailed = "checks_failed"
	ReviewApproved     = "approved"
	ReviewRejected     = "rejected"
)

// ReviewEvent is one entry of the decision history.
type ReviewEvent struct {
	Round      int       `json:"round"`
	Kind       string    `json:"kind"`
	Actor      string    `json:"actor,omitempty"`
	Note       string    `json:"note,omitempty"`
	RevisionID string    `json:"revision_id,omitempty"`
	At         time.Time `json:"at"`
}

// OfferingApprovalStatus answers QueryOfferingApprovalStatus.
type OfferingApprovalStatus struct {
	OfferingID string             `json:"offering_id"`
	RevisionID string             `json:"revision_id,omitempty"`
	State      string             `json:"state"`
	Round      int                `json:"round"`
	Checks     []activities.Check `json:"checks"`
	History    []ReviewEvent      `json:"history"`
	Reminders  int                `json:"reminders"`
	// Ignored counts malformed signals that were logged and dropped.
	Ignored int `json:"ignored_signals"`
}

// OfferingApprovalResult is the run's result: the approval that ended it.
type OfferingApprovalResult struct {
	Round    int
	Operator string
	Note     string
}
