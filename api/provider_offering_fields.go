package api

import (
	"strings"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// Limits on offering text, generous for a marketplace page, small enough to keep
// a listing readable and the database row bounded.
const (
	maxOfferingName    = 100
	maxOfferingSummary = 300
	maxDescription     = 20000
	maxTerms           = 50000
	maxListItems       = 30
	maxListItem        = 200
	maxTags            = 20
	maxTag             = 40
)

// applyOfferingRequest validates the fields present in req, sets them on o and
// returns them as column updates. Nothing is written here.
func applyOfferingRequest(o *models.Offering, req OfferingRequest) (map[string]any, error) {
	f := map[string]any{}
	if req.Category != nil {
		cat := models.Category(strings.TrimSpace(*req.Category))
		if !cat.Valid() {
			return nil, errs.Field("category", "category must be one of agents, apps, assistants, automations")
		}
		o.Category, f["category"] = cat, cat
	}
	text := []struct {
		col, field string
		v          *string
		dst        *string
		max        int
		required   bool
	}{
		{"name", "name", req.Name, &o.Name, maxOfferingName, true},
		{"summary", "summary", req.Summary, &o.Summary, maxOfferingSummary, false},
		{"description", "description", req.Description, &o.Description, maxDescription, false},
		{"terms_of_service", "terms_of_service", req.TermsOfService, &o.TermsOfService, maxTerms, false},
		{"package_ref", "package_ref", req.PackageRef, &o.PackageRef, 255, false},
	}
	for _, t := range text {
		if t.v == nil {
			continue
		}
		v := strings.TrimSpace(*t.v)
		if t.required && v == "" {
			return nil, errs.Field(t.field, "%s cannot be empty", t.field)
		}
		if len(v) > t.max {
			return nil, errs.Field(t.field, "%s must be at most %d characters", t.field, t.max)
		}
		*t.dst, f[t.col] = v, v
	}
	urls := []struct {
		col string
		v   *string
		dst *string
	}{
		{"documentation_url", req.DocumentationURL, &o.DocumentationURL},
		{"privacy_policy_url", req.PrivacyPolicyURL, &o.PrivacyPolicyURL},
		{"demo_url", req.DemoURL, &o.DemoURL},
	}
	for _, u := range urls {
		if u.v == nil {
			continue
		}
		v := strings.TrimSpace(*u.v)
		if v != "" && !validURL(v) {
			return nil, errs.Field(u.col, "%s must be an http(s) URL", u.col)
		}
		*u.dst, f[u.col] = v, v
	}
	if req.Visibility != nil {
		v := models.Visibility(strings.TrimSpace(*req.Visibility))
		if v != models.VisibilityPublic && v != models.VisibilityPrivate {
			return nil, errs.Field("visibility", "visibility must be public or private")
		}
		o.Visibility, f["visibility"] = v, v
	}
	if req.Features != nil {
		items, err := cleanList("features", *req.Features, maxListItems, maxListItem, false)
		if err != nil {
			return nil, err
		}
		o.Features = models.NewJSON(items)
		f["features"] = o.Features
	}
	if req.Tags != nil {
		items, err := cleanList("tags", *req.Tags, maxTags, maxTag, true)
		if err != nil {
			return nil, err
		}
		o.Tags = models.NewJSON(items)
		f["tags"] = o.Tags
	}
	if req.FAQ != nil {
		if len(*req.FAQ) > maxListItems {
			return nil, errs.Field("faq", "at most %d FAQ entries", maxListItems)
		}
		faq := make([]models.FAQ, 0, len(*req.FAQ))
		for _, q := range *req.FAQ {
			q.Question, q.Answer = strings.TrimSpace(q.Question), strings.TrimSpace(q.Answer)
			if q.Question == "" || q.Answer == "" || len(q.Question) > 500 || len(q.Answer) > 5000 {
				return nil, errs.Field("faq", "each FAQ entry needs a question (up to 500 characters) and an answer (up to 5000)")
			}
			faq = append(faq, q)
		}
		o.FAQ = models.NewJSON(faq)
		f["faq"] = o.FAQ
	}
	return f, nil
}

// cleanList trims, drops empties and duplicates, and bounds a list of short strings.
func cleanList(field string, in []string, maxItems, maxLen int, lower bool) ([]string, error) {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if lower {
			v = strings.ToLower(v)
		}
		if v == "" || seen[v] {
			continue
		}
		if len(v) > maxLen {
			return nil, errs.Field(field, "each of %s must be at most %d characters", field, maxLen)
		}
		seen[v] = true
		out = append(out, v)
	}
	if len(out) > maxItems {
		return nil, errs.Field(field, "at most %d %s", maxItems, field)
	}
	return out, nil
}
