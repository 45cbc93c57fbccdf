package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/cmp-platform/cmp/internal/sitekit"
	"github.com/cmp-platform/cmp/models"
)

// PushAgentConfigInput names what to push.
type PushAgentConfigInput struct {
	AgentID string
	What    string
	Version int64
}

// SyncOutcome is the result of a push, recorded on the read model.
type SyncOutcome struct {
	AgentID, What string
	Version       int64
	Error         string
}

// configPushers are the kinds of configuration PushAgentConfig knows how to push.
// Other files add theirs (persona, branding, knowledge) in init.
var configPushers = map[string]func(a *Activities, ctx context.Context, agent models.Agent, version int64) error{
	"keys": (*Activities).pushKeys,
}

// PushAgentConfig reads the current configuration of one kind from the read model
// and PUTs it to Site-Kit at the given version (a full replacement, idempotent).
func (a *Activities) PushAgentConfig(ctx context.Context, in PushAgentConfigInput) error {
	push, ok := configPushers[in.What]
	if !ok {
		return temporal.NewNonRetryableApplicationError("unknown configuration kind "+in.What, ErrTypeInvalid, nil)
	}
	agent, err := a.Store.AgentByID(ctx, in.AgentID)
	if err != nil {
		return domainError(err)
	}
	if err := push(a, ctx, agent, in.Version); err != nil {
		if sitekit.IsPermanent(err) && !isNotFound(err) {
			return temporal.NewNonRetryableApplicationError(sitekitMessage(err), ErrTypeInvalid, err)
		}
		// Not found means the deployment is still being provisioned: retry.
		return err
	}
	return nil
}

func (a *Activities) pushKeys(ctx context.Context, agent models.Agent, version int64) error {
	keys, err := a.Store.ListAPIKeys(ctx, agent.ID)
	if err != nil {
		return err
	}
	now := a.now()
	req := sitekit.KeySet{Version: version, Keys: []sitekit.Key{}}
	for _, k := range keys {
		if !k.Active(now) {
			continue
		}
		sk := sitekit.Key{ID: k.ID, Prefix: k.Prefix, Hash: k.Hash, Scopes: k.Scopes.V, AllowedOrigins: k.AllowedOrigins.V}
		if k.ExpiresAt != nil {
			sk.ExpiresAt = k.ExpiresAt.UTC().Format(time.RFC3339)
		}
		req.Keys = append(req.Keys, sk)
	}
	_, err = a.SiteKit.PutKeys(ctx, agent.ID, req)
	return err
}

// syncRecorders record a push's outcome per kind; kinds without one need no record.
var syncRecorders = map[string]func(a *Activities, ctx context.Context, o SyncOutcome) error{}

// RecordSyncOutcome (local) records whether a push landed, for per-item status.
func (a *Activities) RecordSyncOutcome(ctx context.Context, o SyncOutcome) error {
	rec, ok := syncRecorders[o.What]
	if !ok {
		if o.Error != "" {
			a.log().Warn("agent sync failed", "agent", o.AgentID, "what", o.What, "version", o.Version, "err", o.Error)
		}
		return nil
	}
	if err := rec(a, ctx, o); err != nil {
		return fmt.Errorf("record %s sync: %w", o.What, err)
	}
	return nil
}

func isNotFound(err error) bool {
	var se *sitekit.Error
	return errors.As(err, &se) && se.Status == 404
}
