package models

import "time"

// Category is one of the marketplace's four product categories.
type Category string

// The four categories.
const (
	CategoryAgents      Category = "agents"
	CategoryApps        Category = "apps"
	CategoryAssistants  Category = "assistants"
	CategoryAutomations Category = "automations"
)

// Categories lists the categories in display order with their descriptions.
var Categories = []struct {
	Slug        Category
	Name        string
	Description string
}{
	{CategoryAgents, "Agents", "AI agents for automation and assistance"},
	{CategoryApps, "Apps", "Applications and integrations"},
	{CategoryAssistants, "Assistants", "Conversational AI assistants"},
	{CategoryAutomations, "Automations", "Workflow automation tools"},
}

// Valid reports whether c is one of the four categories.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if k.Slug == c {
			return true
		}
	}
	return false
}

// OfferingState is a listing's lifecycle state.
type OfferingState string

// Offering states: draft → pending_review → active ⇄ paused → archived; rejected → draft.
const (
	OfferingDraft         OfferingState = "draft"
	OfferingPendingReview OfferingState = "pending_review"
	OfferingActive        OfferingState = "active"
	OfferingPaused        OfferingState = "paused"
	OfferingArchived      OfferingState = "archived"
	OfferingRejected      OfferingState = "rejected"
)

var offeringTransitions = map[OfferingState][]OfferingState{
	OfferingDraft:         {OfferingPendingReview, OfferingArchived},
	OfferingPendingReview: {OfferingActive, OfferingRejected, OfferingDraft},
	OfferingActive:        {OfferingPaused, OfferingArchived},
	OfferingPaused:        {OfferingActive, OfferingArchived},
	OfferingRejected:      {OfferingDraft, OfferingPendingReview},
	OfferingArchived:      {},
}

// CanBecome reports whether an offering may move from s to next.
func (s OfferingState) CanBecome(next OfferingState) bool {
	for _, n := range offeringTransitions[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Visibility says who sees an offering.
type Visibility string

// Visibilities.
const (
	VisibilityPublic  Visibility = "public"
	VisibilityPrivate Visibility = "private"
)

// Provider is an organization that sells offerings.
type Provider struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID string
	Slug           string
	Name           string
	Description    string
	Website        string
	SupportEmail   string
	RatingAvg      float64
	RatingCount    int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// FAQ is one question and answer on an offering page.
type FAQ struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
}

// Offering is a listing: an agent, app, assistant or automation.
type Offering struct {
	ID                  string `gorm:"primaryKey"`
	ProviderID          string
	Slug                string
	Name                string
	Category            Category
	Summary             string
	Description         string
	Features            JSON[[]string]
	Tags                JSON[[]string]
	FAQ                 JSON[[]FAQ] `gorm:"column:faq"`
	DocumentationURL    string
	DemoURL             string
	TermsOfService      string
	PrivacyPolicyURL    string
	LogoURL             string
	Screenshots         JSON[[]string]
	PackageRef          string
	Visibility          Visibility
	State               OfferingState
	Featured            bool
	RatingAvg           float64
	RatingCount         int64
	ActiveSubscriptions int64
	// StartingPrice is the lowest monthly-normalised plan price, kept for listing and sorting.
	StartingPrice int64
	Currency      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	PublishedAt   *time.Time

	Provider *Provider `gorm:"foreignKey:ProviderID"`
	Plans    []Plan    `gorm:"foreignKey:OfferingID"`
}

// ComponentType says how a plan component is billed.
type ComponentType string

// Component types.
const (
	ComponentFixed   ComponentType = "fixed"
	ComponentUsage   ComponentType = "usage"
	ComponentOneTime ComponentType = "one_time"
)

// Component is one billable part of a plan.
type Component struct {
	Type           ComponentType `json:"type"`
	Name           string        `json:"name"`
	Unit           string        `json:"unit"`
	UnitPrice      int64         `json:"unit_price"`
	IncludedAmount int64         `json:"included_amount"`
}

// Plan is a pricing tier of an offering. Prices are integer minor units.
type Plan struct {
	ID           string `gorm:"primaryKey"`
	OfferingID   string
	Name         string
	Description  string
	PriceMonthly int64
	PriceAnnual  int64
	Currency     string
	Components   JSON[[]Component]
	Features     JSON[[]string]
	Limits       JSON[map[string]int64]
	Position     int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// BillingCycle is how often a subscription renews.
type BillingCycle string

// Billing cycles.
const (
	Monthly BillingCycle = "monthly"
	Annual  BillingCycle = "annual"
)

// Valid reports whether b is a known cycle.
func (b BillingCycle) Valid() bool { return b == Monthly || b == Annual }

// Price returns the plan's price for a billing cycle.
func (p Plan) Price(c BillingCycle) int64 {
	if c == Annual {
		return p.PriceAnnual
	}
	return p.PriceMonthly
}
