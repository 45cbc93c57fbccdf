package activities

import (
	"context"
	"strings"
	"time"

	"github.com/cmp-platform/cmp/models"
)

// Check is one automated check of a listing submission.
type Check = models.ListingCheck

// Names of the automated checks, in the order they run.
const (
	CheckRequiredFields = "required_fields"
	CheckPlans          = "plans"
	CheckPrices         = "prices"
	CheckPackage        = "package"
)

// CheckOfferingInput names what to check: the offering, or its plan revision.
type CheckOfferingInput struct {
	OfferingID string
	RevisionID string
}

// CheckOfferingResult is what the automated checks found.
type CheckOfferingResult struct {
	Checks []Check
	Passed bool
	// Summary lists the failed checks' messages, for the provider.
	Summary string
}

// CheckOffering runs the automated checks of a submission: required fields, at
// least one plan, sane prices, and Site-Kit's verdict on the package. A check
// failing is a result, not an error; an unreachable Site-Kit is an error, so
// the activity retries until it answers.
func (a *Activities) CheckOffering(ctx context.Context, in CheckOfferingInput) (CheckOfferingResult, error) {
	o, err := a.Store.OfferingByID(ctx, in.OfferingID)
	if err != nil {
		return CheckOfferingResult{}, domainError(err)
	}
	plans := make([]models.RevisionPlan, 0, len(o.Plans))
	if in.RevisionID != "" {
		rev, err := a.Store.OpenRevision(ctx, in.OfferingID)
		if err != nil {
			return CheckOfferingResult{}, domainError(err)
		}
		for _, p := range rev.Plans.V {
			if !p.Removed {
				plans = append(plans, p)
			}
		}
	} else {
		for _, p := range o.Plans {
			plans = append(plans, models.ToRevisionPlan(p))
		}
	}
	checks := []Check{requiredFields(o), planCount(plans), planPrices(plans)}
	pkg := Check{Name: CheckPackage, Passed: false, Message: "package_ref is empty: set the Site-Kit package (sitekit://name@1.0.0)"}
	if o.PackageRef != "" {
		v, err := a.SiteKit.ValidatePackage(ctx, o.PackageRef)
		if err != nil {
			return CheckOfferingResult{}, err
		}
		pkg = Check{Name: CheckPackage, Passed: v.Valid}
		if !v.Valid {
			pkg.Message = "Site-Kit refused the package " + o.PackageRef + ": " + v.Reason
		}
	}
	checks = append(checks, pkg)
	res := CheckOfferingResult{Checks: checks, Passed: true}
	var failed []string
	for _, c := range checks {
		if !c.Passed {
			res.Passed = false
			failed = append(failed, c.Message)
		}
	}
	if len(failed) > 0 {
		res.Summary = "automated checks failed: " + strings.Join(failed, "; ")
	}
	return res, nil
}

func requiredFields(o models.Offering) Check {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"name", o.Name}, {"summary", o.Summary}, {"description", o.Description}, {"terms_of_service", o.TermsOfService},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if !o.Category.Valid() {
		missing = append(missing, "category")
	}
	if len(missing) > 0 {
		return Check{Name: CheckRequiredFields, Message: "missing " + strings.Join(missing, ", ")}
	}
	return Check{Name: CheckRequiredFields, Passed: true}
}

func planCount(plans []models.RevisionPlan) Check {
	if len(plans) == 0 {
		return Check{Name: CheckPlans, Message: "add at least one plan"}
	}
	return Check{Name: CheckPlans, Passed: true}
}

func planPrices(plans []models.RevisionPlan) Check {
	cur := ""
	for _, p := range plans {
		if msg := models.PlanProblem(p); msg != "" {
			return Check{Name: CheckPrices, Message: msg}
		}
		if cur != "" && p.Currency != cur {
			return Check{Name: CheckPrices, Message: "all plans of an offering must use one currency"}
		}
		cur = p.Currency
	}
	return Check{Name: CheckPrices, Passed: true}
}

// ReviewRecord is one step of a listing review to record on the read model.
type ReviewRecord struct {
	OfferingID string
	RevisionID string
	Round      int
	Kind       string
	Actor      string
	Note       string
	Checks     []Check
	// DedupeKey comes from the workflow run, round and step, so a retry is a no-op.
	DedupeKey string
	At        time.Time
}

// RecordReview (local) records a review step: history, review status, the
// offering's state; on approval the listing goes live (or the revision's plans
// do). Decisions and reminders also write the provider's notification in the
// same transaction; a reminder is logged for the operators on call too.
func (a *Activities) RecordReview(ctx context.Context, in ReviewRecord) error {
	if in.Kind == models.ListingEventReminder {
		a.log().Warn("listing review overdue: decide with the approve or reject signal", "offering", in.OfferingID, "round", in.Round, "note", in.Note)
	}
	err := a.Store.RecordListingReviewStep(ctx, models.ListingReviewStep{
		OfferingID: in.OfferingID, RevisionID: in.RevisionID, Round: in.Round, Kind: in.Kind, Actor: in.Actor,
		Note: in.Note, Checks: in.Checks, DedupeKey: in.DedupeKey, At: in.At,
	})
	return domainError(err)
}
