package models

import (
	"fmt"
	"regexp"
)

// Price bounds that keep a typo (an extra zero or two) from reaching buyers.
const (
	MaxMonthlyPrice = 10_000_000  // 100,000.00 in a two-decimal currency
	MaxAnnualPrice  = 120_000_000 // twelve times that
)

var currencyPattern = regexp.MustCompile(`^[a-z]{3}$`)

// PlanProblem says what is wrong with a plan's prices and components, or "" when
// nothing is. The API refuses such input; the approval checks catch anything
// that slipped past (an older row, a revision).
func PlanProblem(p RevisionPlan) string {
	switch {
	case !currencyPattern.MatchString(p.Currency):
		return fmt.Sprintf("plan %q: currency must be a lower-case ISO 4217 code like usd", p.Name)
	case p.PriceMonthly < 0 || p.PriceAnnual < 0:
		return fmt.Sprintf("plan %q: prices cannot be negative", p.Name)
	case p.PriceMonthly == 0 && p.PriceAnnual == 0:
		return fmt.Sprintf("plan %q: set a monthly or an annual price (integer minor units)", p.Name)
	case p.PriceMonthly > MaxMonthlyPrice || p.PriceAnnual > MaxAnnualPrice:
		return fmt.Sprintf("plan %q: price above the marketplace maximum (%d monthly, %d annual minor units)", p.Name, MaxMonthlyPrice, MaxAnnualPrice)
	case p.PriceMonthly > 0 && p.PriceAnnual > 12*p.PriceMonthly:
		return fmt.Sprintf("plan %q: the annual price is more than twelve monthly payments", p.Name)
	}
	for _, c := range p.Components {
		switch {
		case c.Type != ComponentFixed && c.Type != ComponentUsage && c.Type != ComponentOneTime:
			return fmt.Sprintf("plan %q: component type must be fixed, usage or one_time", p.Name)
		case c.Name == "":
			return fmt.Sprintf("plan %q: every component needs a name", p.Name)
		case c.Type == ComponentUsage && c.Unit == "":
			return fmt.Sprintf("plan %q: usage component %q needs a unit", p.Name, c.Name)
		case c.UnitPrice < 0 || c.IncludedAmount < 0:
			return fmt.Sprintf("plan %q: component %q cannot have negative amounts", p.Name, c.Name)
		case c.UnitPrice > MaxMonthlyPrice:
			return fmt.Sprintf("plan %q: component %q unit price above the marketplace maximum", p.Name, c.Name)
		}
	}
	for k, v := range p.Limits {
		if v < 0 {
			return fmt.Sprintf("plan %q: limit %q cannot be negative", p.Name, k)
		}
	}
	return ""
}
