package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Typed search attribute keys, named once.
var (
	orgKey      = temporal.NewSearchAttributeKeyKeyword(SAOrganizationID)
	providerKey = temporal.NewSearchAttributeKeyKeyword(SAProviderID)
	offeringKey = temporal.NewSearchAttributeKeyKeyword(SAOfferingID)
	stateKey    = temporal.NewSearchAttributeKeyKeyword(SAState)
	amountKey   = temporal.NewSearchAttributeKeyInt64(SAAmount)
	orderKey    = temporal.NewSearchAttributeKeyKeyword(SAOrderID)
	periodKey   = temporal.NewSearchAttributeKeyKeyword(SAPeriod)
)

// SearchAttributeKeys exposes the typed keys to the API (which sets them at start).
var SearchAttributeKeys = struct {
	Organization, Provider, Offering, State, Order, Period temporal.SearchAttributeKeyKeyword
	Amount                                                 temporal.SearchAttributeKeyInt64
}{orgKey, providerKey, offeringKey, stateKey, orderKey, periodKey, amountKey}

// bookkeepingOptions are for short read-model writes run as local activities
// (about 1 ms each instead of ~100 ms for a regular activity).
var bookkeepingOptions = workflow.LocalActivityOptions{
	ScheduleToCloseTimeout: 2 * time.Minute,
	StartToCloseTimeout:    15 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 100 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second,
		NonRetryableErrorTypes: []string{ErrTypeInvalid, ErrTypeNotFound, ErrTypeForbidden, ErrTypeConflict},
	},
}

// paymentOptions retry transient provider errors; declines are final.
var paymentOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second, MaximumAttempts: 8,
		NonRetryableErrorTypes: []string{ErrTypeDeclined, ErrTypeInvalid},
	},
}

// provisionOptions retry Site-Kit without an attempt limit; ScheduleToClose (the
// order's provisioning deadline) bounds the whole effort.
var provisionOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	HeartbeatTimeout:    20 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
		NonRetryableErrorTypes: []string{ErrTypeProvisioning},
	},
}

// refundOptions keep trying a refund for a day: money owed back must not be dropped.
var refundOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    30 * time.Second,
	ScheduleToCloseTimeout: 24 * time.Hour,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
		NonRetryableErrorTypes: []string{ErrTypeInvalid},
	},
}
