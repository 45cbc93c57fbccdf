package models

import "time"

// ListingReviewStatus is where an offering's (or revision's) current review stands.
type ListingReviewStatus string

// Review statuses, kept by the approval workflow.
const (
	ListingChecking     ListingReviewStatus = "checking"
	ListingPending      ListingReviewStatus = "pending_review"
	ListingChecksFailed ListingReviewStatus = "checks_failed"
	ListingApproved     ListingReviewStatus = "approved"
	ListingRejected     ListingReviewStatus = "rejected"
)

// Review event kinds, in the order a review produces them.
const (
	ListingEventSubmitted    = "submitted"
	ListingEventChecksPassed = "checks_passed"
	ListingEventChecksFailed = "checks_failed"
	ListingEventReminder     = "reminder"
	ListingEventApproved     = "approved"
	ListingEventRejected     = "rejected"
)

// ListingCheck is one automated check of a submission and what it found.
type ListingCheck struct {
	Name    string `json:"name"`
	Passed  bool   `json:"passed"`
	Message string `json:"message,omitempty"`
}

// ListingReview is the current review of one offering: the last checks and the
// last decision. RevisionID is set when what is reviewed is a plan revision.
type ListingReview struct {
	OfferingID      string `gorm:"primaryKey"`
	RevisionID      string
	Round           int
	Status          ListingReviewStatus
	Checks          JSON[[]ListingCheck]
	DecidedBy       string
	Note            string
	RejectionReason string
	Reminders       int
	SubmittedAt     *time.Time
	DecidedAt       *time.Time
	UpdatedAt       time.Time
}

// TableName names the current-review table.
func (ListingReview) TableName() string { return "offering_reviews" }

// ListingReviewEvent is one step of a review, kept across resubmissions.
type ListingReviewEvent struct {
	ID         string `gorm:"primaryKey"`
	OfferingID string
	RevisionID string
	Round      int
	Kind       string
	Actor      string
	Note       string
	Checks     JSON[[]ListingCheck]
	DedupeKey  string
	At         time.Time
}

// TableName names the history table.
func (ListingReviewEvent) TableName() string { return "offering_review_events" }

// RevisionState is the lifecycle of a pending change to an active offering.
type RevisionState string

// Revision states: draft → pending_review → applied | rejected; rejected → draft.
const (
	RevisionDraft    RevisionState = "draft"
	RevisionPending  RevisionState = "pending_review"
	RevisionRejected RevisionState = "rejected"
	RevisionApplied  RevisionState = "applied"
)

// RevisionPlan is a plan as proposed in a revision. ID is the live plan's ID
// when the revision changes an existing plan, empty for a new one.
type RevisionPlan struct {
	ID           string           `json:"id,omitempty"`
	Name         string           `json:"name"`
	Description  string           `json:"description"`
	PriceMonthly int64            `json:"price_monthly"`
	PriceAnnual  int64            `json:"price_annual"`
	Currency     string           `json:"currency"`
	Components   []Component      `json:"components"`
	Features     []string         `json:"features"`
	Limits       map[string]int64 `json:"limits"`
	Position     int              `json:"position"`
	Removed      bool             `json:"removed,omitempty"`
}

// OfferingRevision holds proposed plans and prices for an active offering while
// its live version keeps selling. Subscribers keep their price until renewal.
type OfferingRevision struct {
	ID              string `gorm:"primaryKey"`
	OfferingID      string
	State           RevisionState
	Plans           JSON[[]RevisionPlan]
	RejectionReason string
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	AppliedAt       *time.Time
}

// Open reports whether the revision can still be edited or is under review.
func (r OfferingRevision) Open() bool { return r.State != RevisionApplied }

// ProviderSettings are a provider's notification preferences.
type ProviderSettings struct {
	ProviderID        string `gorm:"primaryKey"`
	NotificationEmail string
	NotifyOrders      bool
	NotifyReviews     bool
	NotifyPayouts     bool
	UpdatedAt         time.Time
}

// ToRevisionPlan copies a live plan into a revision.
func ToRevisionPlan(p Plan) RevisionPlan {
	return RevisionPlan{ID: p.ID, Name: p.Name, Description: p.Description, PriceMonthly: p.PriceMonthly, PriceAnnual: p.PriceAnnual,
		Currency: p.Currency, Components: p.Components.V, Features: p.Features.V, Limits: p.Limits.V, Position: p.Position}
}
