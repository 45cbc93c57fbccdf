// Package workflows holds CMP's durable business processes. Each workflow's contract
// (name, ID helper, input/result types, signal/query/update names and payloads) is
// declared once, beside it, and imported by the API, the worker, the tests and docs.
// Workflow code is deterministic: no time.Now, rand, goroutines, I/O or map order.
package workflows

import "github.com/cmp-platform/cmp/activities"

// TaskQueue is the one task queue CMP's worker polls.
const TaskQueue = "cmp"

// Search attribute names registered on the Temporal namespace (see internal/devserver).
const (
	SAOrganizationID = "CmpOrganizationId"
	SAProviderID     = "CmpProviderId"
	SAOfferingID     = "CmpOfferingId"
	SAState          = "CmpState"
	SAAmount         = "CmpAmount"
	SAPeriod         = "CmpPeriod"
	SAOrderID        = "CmpOrderId"
	SAProviderCount  = "CmpProviderCount"
)

// Error types of non-retryable application errors that cross the workflow boundary.
// The API maps them to error codes.
// They are declared in activities (which raise most of them) and named here too.
const (
	ErrTypeDeclined     = activities.ErrTypeDeclined
	ErrTypeInvalid      = activities.ErrTypeInvalid
	ErrTypeConflict     = activities.ErrTypeConflict
	ErrTypeNotFound     = activities.ErrTypeNotFound
	ErrTypeForbidden    = activities.ErrTypeForbidden
	ErrTypeProvisioning = activities.ErrTypeProvisioning
)
