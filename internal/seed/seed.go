// Package seed fills an empty database with the demo catalog `cmpd dev` starts
// with: three providers and twelve active offerings across the four categories,
// each with Starter, Pro and Enterprise plans priced monthly and annually.
package seed

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/cmp-platform/cmp/internal/auth"
	"github.com/cmp-platform/cmp/models"
)

type offering struct {
	slug, name    string
	category      models.Category
	summary, desc string
	features      []string
	tags          []string
	demo          string
	base          int64 // Starter monthly price in cents
	featured      bool
}

type provider struct {
	slug, name, desc, website string
	offerings                 []offering
}

var catalog = []provider{
	{"acme-ai", "Acme AI", "Production-grade AI agents for support and sales teams.", "https://acme-ai.example", []offering{
		{"support-agent", "Support Agent", models.CategoryAgents, "Answers customer questions from your knowledge base, 24/7.",
			"Support Agent resolves common tickets using your help-center articles and Q&A pairs, escalating to humans when unsure.",
			[]string{"Knowledge base answers", "Human handoff", "Multilingual replies", "Ticket summaries"}, []string{"support", "helpdesk", "customer service"}, "https://demo.acme-ai.example/support", 2900, true},
		{"sales-sdr", "Sales SDR Agent", models.CategoryAgents, "Qualifies inbound leads and books meetings.",
			"An SDR agent that chats with website visitors, qualifies them against your ICP and books meetings on your calendar.",
			[]string{"Lead qualification", "Calendar booking", "CRM sync"}, []string{"sales", "leads", "crm"}, "", 4900, false},
		{"crm-connector", "CRM Connector", models.CategoryApps, "Two-way sync between your CRM and your agents.",
			"Keeps contacts, deals and notes in sync between popular CRMs and every CMP agent you run.",
			[]string{"Two-way sync", "Field mapping", "Webhooks"}, []string{"crm", "integration", "sync"}, "", 1900, false},
		{"voice-concierge", "Voice Concierge", models.CategoryAssistants, "A phone assistant that answers calls and takes messages.",
			"Voice Concierge picks up calls, answers FAQs in a natural voice and routes urgent calls to your team.",
			[]string{"Voice calls", "Call routing", "Multilingual replies", "Voicemail transcripts"}, []string{"voice", "phone", "reception"}, "https://demo.acme-ai.example/voice", 3900, true},
	}},
	{"northwind-labs", "Northwind Labs", "Automation and analytics for operations teams.", "https://northwind.example", []offering{
		{"code-reviewer", "Code Review Agent", models.CategoryAgents, "Reviews pull requests and flags bugs before merge.",
			"Reads every pull request, comments on likely bugs, security issues and style problems, and summarises the change.",
			[]string{"Pull request review", "Security checks", "Change summaries"}, []string{"code", "review", "github"}, "", 3900, false},
		{"analytics-dashboard", "Analytics Dashboard", models.CategoryApps, "Dashboards of your agents' conversations and outcomes.",
			"See volume, resolution rate, satisfaction and cost per conversation across all your agents in one dashboard.",
			[]string{"Conversation analytics", "Custom reports", "CSV export"}, []string{"analytics", "reporting", "dashboard"}, "https://demo.northwind.example/analytics", 2500, false},
		{"data-sync", "Data Sync", models.CategoryAutomations, "Scheduled sync of records between your tools.",
			"Moves and transforms records between spreadsheets, databases and SaaS tools on a schedule, with retries and alerts.",
			[]string{"Scheduled tasks", "Field mapping", "Retries and alerts"}, []string{"sync", "etl", "schedule"}, "", 1500, false},
		{"invoice-automation", "Invoice Automation", models.CategoryAutomations, "Reads invoices and posts them to your ledger.",
			"Extracts line items from emailed invoices, matches them to purchase orders and posts them to your accounting system.",
			[]string{"Invoice extraction", "PO matching", "Accounting sync"}, []string{"finance", "invoices", "accounting"}, "", 4500, true},
	}},
	{"helio-studio", "Helio Studio", "Friendly conversational assistants for every website.", "https://helio.example", []offering{
		{"website-chatbot", "Website Chatbot", models.CategoryAssistants, "A branded chat widget that answers visitors instantly.",
			"Drop one script tag on your site and get a branded assistant that answers from your own content.",
			[]string{"Embeddable widget", "Custom branding", "Knowledge base answers"}, []string{"chatbot", "widget", "website"}, "https://demo.helio.example/chat", 1900, true},
		{"hr-assistant", "HR Assistant", models.CategoryAssistants, "Answers employee questions about policies and benefits.",
			"An internal assistant trained on your handbook that answers policy, leave and benefits questions in Slack or the web.",
			[]string{"Policy answers", "Slack integration", "Multilingual replies"}, []string{"hr", "internal", "policies"}, "", 2900, false},
		{"meeting-notes", "Meeting Notes", models.CategoryApps, "Transcribes meetings and writes action items.",
			"Joins your calls, transcribes them and sends a summary with owners and due dates to every attendee.",
			[]string{"Transcription", "Action items", "Calendar integration"}, []string{"meetings", "notes", "productivity"}, "", 1200, false},
		{"social-scheduler", "Social Scheduler", models.CategoryAutomations, "Drafts and schedules social posts from your blog.",
			"Turns each new blog post into social posts for every network and schedules them at the best times.",
			[]string{"Scheduled tasks", "Post drafting", "Multi-network publishing"}, []string{"social", "marketing", "schedule"}, "", 900, false},
	}},
}

// Run seeds the catalog when the database has no offerings yet. It is safe to
// call at every start.
func Run(ctx context.Context, store *models.Store) (bool, error) {
	var n int64
	if err := store.WithContext(ctx).Model(&models.Offering{}).Count(&n).Error; err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	err := store.Tx(ctx, func(tx *gorm.DB) error {
		for _, p := range catalog {
			if err := seedProvider(tx, p); err != nil {
				return fmt.Errorf("seed %s: %w", p.slug, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	for _, p := range catalog {
		for _, o := range p.offerings {
			var off models.Offering
			if err := store.WithContext(ctx).Take(&off, "slug = ?", o.slug).Error; err != nil {
				return false, err
			}
			if err := store.RefreshStartingPrice(ctx, off.ID); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func seedProvider(tx *gorm.DB, p provider) error {
	now := models.Now()
	// Seeded providers' staff accounts get a random password nobody knows.
	hash, err := auth.HashPassword(auth.NewSecret()[:40])
	if err != nil {
		return err
	}
	u := models.User{ID: models.NewID("usr"), Email: "team@" + p.slug + ".example", Name: p.name + " Team", PasswordHash: hash, CreatedAt: now}
	org := models.Organization{ID: models.NewID("org"), Name: p.name, OwnerUserID: u.ID, CreatedAt: now}
	prov := models.Provider{ID: models.NewID("prv"), OrganizationID: org.ID, Slug: p.slug, Name: p.name, Description: p.desc,
		Website: p.website, SupportEmail: "support@" + p.slug + ".example", CreatedAt: now, UpdatedAt: now}
	for _, row := range []any{&u, &org, &models.Membership{OrganizationID: org.ID, UserID: u.ID, Role: models.RoleOwner, CreatedAt: now}, &prov} {
		if err := tx.Create(row).Error; err != nil {
			return err
		}
	}
	for _, o := range p.offerings {
		if err := tx.Create(newOffering(prov, o)).Error; err != nil {
			return err
		}
	}
	return nil
}

func newOffering(prov models.Provider, o offering) *models.Offering {
	now := models.Now()
	off := &models.Offering{
		ID: models.NewID("off"), ProviderID: prov.ID, Slug: o.slug, Name: o.name, Category: o.category, Summary: o.summary,
		Description: o.desc, Features: models.NewJSON(o.features), Tags: models.NewJSON(o.tags),
		FAQ:              models.NewJSON([]models.FAQ{{Question: "Can I cancel anytime?", Answer: "Yes. Cancelling stops renewal at the end of the current period."}}),
		DocumentationURL: "https://docs." + prov.Slug + ".example/" + o.slug, DemoURL: o.demo,
		TermsOfService: "Standard CMP marketplace terms apply.", PrivacyPolicyURL: "https://" + prov.Slug + ".example/privacy",
		Screenshots: models.NewJSON([]string{}), PackageRef: "sitekit://" + o.slug + "@1.0.0", Visibility: models.VisibilityPublic,
		State: models.OfferingActive, Featured: o.featured, Currency: "usd", CreatedAt: now, UpdatedAt: now, PublishedAt: &now,
	}
	tiers := []struct {
		name   string
		mult   int64
		feats  []string
		limits map[string]int64
	}{
		{"Starter", 1, []string{"1 agent", "Email support"}, map[string]int64{"requests_per_month": 1000, "documents": 20}},
		{"Pro", 3, []string{"5 agents", "Priority support", "Custom branding"}, map[string]int64{"requests_per_month": 10000, "documents": 200}},
		{"Enterprise", 10, []string{"Unlimited agents", "Dedicated success manager", "SSO", "Custom branding"}, map[string]int64{"requests_per_month": 100000, "documents": 2000}},
	}
	for i, t := range tiers {
		monthly := o.base * t.mult
		off.Plans = append(off.Plans, models.Plan{
			ID: models.NewID("pln"), OfferingID: off.ID, Name: t.name, Description: t.name + " plan of " + o.name,
			PriceMonthly: monthly, PriceAnnual: monthly * 10, Currency: "usd", // annual: two months free
			Components: models.NewJSON([]models.Component{
				{Type: models.ComponentFixed, Name: "Subscription", Unit: "month", UnitPrice: monthly},
				{Type: models.ComponentUsage, Name: "Requests", Unit: "mcp_tool_calls", UnitPrice: 1, IncludedAmount: t.limits["requests_per_month"]},
			}),
			Features: models.NewJSON(t.feats), Limits: models.NewJSON(t.limits), Position: i, CreatedAt: now, UpdatedAt: now,
		})
	}
	return off
}
