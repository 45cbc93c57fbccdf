package models

import (
	"context"

	"gorm.io/gorm"
)

// AgentForOrgs loads an agent if it belongs to one of orgIDs (not_found otherwise,
// so one tenant cannot learn another's agent exists).
func (s *Store) AgentForOrgs(ctx context.Context, orgIDs []string, id string) (Agent, error) {
	var a Agent
	if len(orgIDs) == 0 {
		return a, notFound(gorm.ErrRecordNotFound, "agent")
	}
	err := s.WithContext(ctx).Where("id = ? AND organization_id IN ?", id, orgIDs).Take(&a).Error
	return a, notFound(err, "agent")
}

// AgentByID loads an agent by ID (for activities; no tenant check).
func (s *Store) AgentByID(ctx context.Context, id string) (Agent, error) {
	var a Agent
	err := s.WithContext(ctx).Take(&a, "id = ?", id).Error
	return a, notFound(err, "agent")
}

// ListAgents lists agents of the given organizations, newest first.
func (s *Store) ListAgents(ctx context.Context, orgIDs []string) ([]Agent, error) {
	var out []Agent
	if len(orgIDs) == 0 {
		return out, nil
	}
	// An agent whose checkout was declined was never bought: it is not one of My Agents.
	declined := s.WithContext(ctx).Table("subscriptions").Select("subscriptions.id").
		Joins("JOIN orders ON orders.id = subscriptions.order_id").
		Where("orders.state = ? AND orders.charge_id = ''", OrderErred)
	err := s.WithContext(ctx).Where("organization_id IN ? AND status <> ? AND subscription_id NOT IN (?)", orgIDs, AgentDeleted, declined).
		Order("id DESC").Find(&out).Error
	return out, err
}

// UpdateAgent sets fields of an agent.
func (s *Store) UpdateAgent(ctx context.Context, id string, fields map[string]any) error {
	fields["updated_at"] = Now()
	return s.WithContext(ctx).Model(&Agent{}).Where("id = ?", id).Updates(fields).Error
}

// UpdateSubscription sets fields of a subscription.
func (s *Store) UpdateSubscription(ctx context.Context, id string, fields map[string]any) error {
	fields["updated_at"] = Now()
	return s.WithContext(ctx).Model(&Subscription{}).Where("id = ?", id).Updates(fields).Error
}

// CreateAPIKey stores a new key (hash only).
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	return s.WithContext(ctx).Create(k).Error
}

// ListAPIKeys lists an agent's keys, newest first, revoked ones included.
func (s *Store) ListAPIKeys(ctx context.Context, agentID string) ([]APIKey, error) {
	var out []APIKey
	err := s.WithContext(ctx).Where("agent_id = ?", agentID).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// APIKeyOf loads one key of an agent.
func (s *Store) APIKeyOf(ctx context.Context, agentID, keyID string) (APIKey, error) {
	var k APIKey
	err := s.WithContext(ctx).Take(&k, "id = ? AND agent_id = ?", keyID, agentID).Error
	return k, notFound(err, "api key")
}

// RecordLedger inserts ledger entries, ignoring ones whose dedupe key exists.
func (s *Store) RecordLedger(ctx context.Context, entries ...LedgerEntry) error {
	if len(entries) == 0 {
		return nil
	}
	return s.WithContext(ctx).Clauses(onConflictNothing).Create(&entries).Error
}

// RevokeAPIKey marks a key revoked (idempotent) and returns it.
func (s *Store) RevokeAPIKey(ctx context.Context, agentID, keyID string) (APIKey, error) {
	k, err := s.APIKeyOf(ctx, agentID, keyID)
	if err != nil {
		return k, err
	}
	if k.RevokedAt == nil {
		now := Now()
		k.RevokedAt = &now
		if err := s.WithContext(ctx).Model(&APIKey{}).Where("id = ? AND revoked_at IS NULL", k.ID).Update("revoked_at", now).Error; err != nil {
			return k, err
		}
	}
	return k, nil
}

// RotateAPIKey stores next and revokes old in one transaction.
func (s *Store) RotateAPIKey(ctx context.Context, old APIKey, next *APIKey) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(next).Error; err != nil {
			return err
		}
		return tx.Model(&APIKey{}).Where("id = ? AND revoked_at IS NULL", old.ID).Update("revoked_at", Now()).Error
	})
}
