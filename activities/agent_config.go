package activities

import (
	"context"
	"errors"
	"time"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// SyncKeyUsage is the AgentSync kind that pulls key last-used times from
// Site-Kit (the other kinds push); it shares the push's retries and IDs.
const SyncKeyUsage = "key_usage"

func init() {
	configPushers[models.ConfigPersona] = (*Activities).pushPersona
	configPushers[models.ConfigBranding] = (*Activities).pushBranding
	configPushers[models.ConfigKnowledge] = (*Activities).pushKnowledge
	configPushers[SyncKeyUsage] = (*Activities).pullKeyUsage
	syncRecorders[models.ConfigPersona] = configFailureRecorder(models.ConfigPersona)
	syncRecorders[models.ConfigBranding] = configFailureRecorder(models.ConfigBranding)
	syncRecorders[models.ConfigKnowledge] = (*Activities).recordKnowledgeOutcome
}

// configRow loads a document; a document never set is the default at version 0.
func (a *Activities) configRow(ctx context.Context, agentID, kind string) (models.AgentConfig, bool, error) {
	c, err := a.Store.AgentConfigOf(ctx, agentID, kind)
	if errs.Is(err, errs.NotFound) {
		return c, false, nil
	}
	return c, err == nil, err
}

func (a *Activities) pushPersona(ctx context.Context, agent models.Agent, version int64) error {
	row, found, err := a.configRow(ctx, agent.ID, models.ConfigPersona)
	if err != nil {
		return err
	}
	p := models.DefaultPersona(agent.Name)
	if found {
		if err := row.Decode(&p); err != nil {
			return err
		}
	}
	if _, err := a.SiteKit.PutPersona(ctx, agent.ID, toSiteKitPersona(p, version)); err != nil {
		return err
	}
	return a.Store.MarkConfigSynced(ctx, agent.ID, models.ConfigPersona, row.Version, version)
}

func toSiteKitPersona(p models.Persona, version int64) sitekit.Persona {
	rules := p.Rules
	if rules == nil {
		rules = []string{}
	}
	return sitekit.Persona{Version: version, Name: p.Name, Tone: p.Tone, Language: p.Language, Greeting: p.Greeting, Rules: rules}
}

func (a *Activities) pushBranding(ctx context.Context, agent models.Agent, version int64) error {
	row, found, err := a.configRow(ctx, agent.ID, models.ConfigBranding)
	if err != nil {
		return err
	}
	b := models.DefaultBranding()
	if found {
		if err := row.Decode(&b); err != nil {
			return err
		}
	}
	if _, err := a.SiteKit.PutBranding(ctx, agent.ID, sitekit.Branding{Version: version, PrimaryColor: b.PrimaryColor,
		AccentColor: b.AccentColor, LogoURL: b.LogoURL, WelcomeMessage: b.WelcomeMessage, Position: b.Position}); err != nil {
		return err
	}
	return a.Store.MarkConfigSynced(ctx, agent.ID, models.ConfigBranding, row.Version, version)
}

// pushKnowledge sends every Q&A pair, document text and topic as one
// versioned document, then marks exactly the items it read as synced.
func (a *Activities) pushKnowledge(ctx context.Context, agent models.Agent, version int64) error {
	row, _, err := a.configRow(ctx, agent.ID, models.ConfigKnowledge)
	if err != nil {
		return err
	}
	k, err := a.Store.KnowledgeOf(ctx, agent.ID)
	if err != nil {
		return err
	}
	doc := sitekit.Knowledge{Version: version, QA: []sitekit.QAPair{}, Documents: []sitekit.Document{}, Topics: k.Topics}
	var qaIDs, docIDs []string
	for _, qa := range k.QA {
		doc.QA = append(doc.QA, sitekit.QAPair{ID: qa.ID, Question: qa.Question, Answer: qa.Answer, Topic: qa.Topic})
		qaIDs = append(qaIDs, qa.ID)
	}
	for _, d := range k.Documents {
		doc.Documents = append(doc.Documents, sitekit.Document{ID: d.ID, Name: d.Name, ContentType: d.ContentType, Text: d.Text})
		docIDs = append(docIDs, d.ID)
	}
	if _, err := a.SiteKit.PutKnowledge(ctx, agent.ID, doc); err != nil {
		return err
	}
	if err := a.Store.MarkKnowledgeSynced(ctx, agent.ID, qaIDs, docIDs, version); err != nil {
		return err
	}
	return a.Store.MarkConfigSynced(ctx, agent.ID, models.ConfigKnowledge, row.Version, version)
}

// pullKeyUsage copies when Site-Kit last accepted each key onto the API Keys page.
func (a *Activities) pullKeyUsage(ctx context.Context, agent models.Agent, _ int64) error {
	u, err := a.SiteKit.KeyUsage(ctx, agent.ID)
	if err != nil {
		return err
	}
	if err := a.Store.SetKeyLastUsed(ctx, agent.ID, u); err != nil {
		return err
	}
	return a.Store.MarkKeyUsagePulled(ctx, agent.ID, a.now())
}

// configFailureRecorder marks a persona or branding edit failed when its push
// gave up; success is recorded by the pusher, which knows the version it read.
func configFailureRecorder(kind string) func(a *Activities, ctx context.Context, o SyncOutcome) error {
	return func(a *Activities, ctx context.Context, o SyncOutcome) error {
		if o.Error == "" {
			return nil
		}
		return a.Store.MarkConfigFailed(ctx, o.AgentID, kind, o.Version, syncReason(o.Error))
	}
}

func (a *Activities) recordKnowledgeOutcome(ctx context.Context, o SyncOutcome) error {
	if o.Error == "" {
		return nil
	}
	reason := syncReason(o.Error)
	if err := a.Store.MarkKnowledgeFailed(ctx, o.AgentID, o.Version, reason); err != nil {
		return err
	}
	return a.Store.MarkConfigFailed(ctx, o.AgentID, models.ConfigKnowledge, o.Version, reason)
}

// syncReason keeps a failure reason short enough to show beside the item.
func syncReason(msg string) string {
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return msg
}

// MarkSilentAgentsInput says how long an agent may stay silent.
type MarkSilentAgentsInput struct {
	StaleAfter time.Duration
}

// MarkSilentAgentsDegraded (local) turns running agents that missed their
// heartbeats degraded; a later heartbeat brings them back.
func (a *Activities) MarkSilentAgentsDegraded(ctx context.Context, in MarkSilentAgentsInput) (int64, error) {
	if in.StaleAfter <= 0 {
		return 0, errors.New("StaleAfter must be positive")
	}
	n, err := a.Store.MarkSilentAgentsDegraded(ctx, a.now().Add(-in.StaleAfter))
	if n > 0 {
		a.log().Info("agents degraded: heartbeats missed", "count", n)
	}
	return n, err
}
