package models

import (
	"time"
)

// InvoiceKind says why an invoice exists.
type InvoiceKind string

// Invoice kinds.
const (
	// InvoiceRenewal bills the next period in advance and the ended period's usage in arrears.
	InvoiceRenewal InvoiceKind = "renewal"
	// InvoiceProration bills the prorated difference of an upgrade for the rest of the period.
	InvoiceProration InvoiceKind = "proration"
)

// InvoiceState is an invoice's lifecycle state: open → paid | void.
type InvoiceState string

// Invoice states.
const (
	InvoiceOpen InvoiceState = "open"
	InvoicePaid InvoiceState = "paid"
	InvoiceVoid InvoiceState = "void"
)

// InvoiceLine is one billed item of an invoice, in minor units.
type InvoiceLine struct {
	Description string `json:"description"`
	Component   string `json:"component,omitempty"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	Amount      int64  `json:"amount"`
}

// Invoice is what one subscription owes for a period (or for an upgrade).
// DedupeKey makes creating it idempotent: a retried activity finds the row it made.
type Invoice struct {
	ID             string `gorm:"primaryKey"`
	SubscriptionID string
	OrganizationID string
	ProviderID     string
	OfferingID     string
	PlanID         string
	Kind           InvoiceKind
	DedupeKey      string
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Amount         int64
	Currency       string
	Lines          JSON[[]InvoiceLine]
	State          InvoiceState
	Attempts       int
	ChargeID       string
	LastError      string
	PaidAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// UsageRecord is a subscription's metered usage of one component in one
// billing period. It is unique per (subscription, component, period): a
// re-report overwrites Quantity, never adds to it.
type UsageRecord struct {
	SubscriptionID string `gorm:"primaryKey"`
	Component      string `gorm:"primaryKey"`
	Period         string `gorm:"primaryKey"`
	Quantity       int64
	UpdatedAt      time.Time
}

// UsagePeriodKey names the billing period that starts at start, the key of usage
// records ("2026-12-01T15:04:05Z"): periods are anchored to the purchase, not
// to calendar months, so the start time identifies one.
func UsagePeriodKey(start time.Time) string { return start.UTC().Format(time.RFC3339) }

// SubscriptionView is a subscription as its buyer lists it: the row plus the
// billing columns added by the money migrations and names for display.
type SubscriptionView struct {
	Subscription
	PendingPlanID string
	CanceledAt    *time.Time
	AgentID       string
	OfferingName  string
	PlanName      string
	ProviderID    string
}
