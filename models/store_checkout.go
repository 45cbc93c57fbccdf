package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CheckoutProgress is one bookkeeping step of a checkout; empty fields are unchanged.
type CheckoutProgress struct {
	OrderID, SubscriptionID, AgentID, OrganizationID string
	At                                               time.Time
	Step, StepState, Detail                          string
	OrderState                                       OrderState
	SubscriptionState                                SubscriptionState
	AgentStatus                                      AgentStatus
	ChargeID, RefundID, ErrorCode, ErrorMessage      string
	MCPURL                                           string
	PeriodStart, PeriodEnd                           *time.Time
	LedgerKind                                       LedgerKind
	LedgerAmount                                     int64
	Currency, ProviderID, OfferingID, PlanID         string
}

// RecordCheckoutProgress applies p in one transaction. Every write is idempotent
// (steps and ledger rows are unique), so a retried local activity changes nothing twice.
func (s *Store) RecordCheckoutProgress(ctx context.Context, p CheckoutProgress) error {
	return s.Tx(ctx, func(tx *gorm.DB) error {
		if p.Step != "" {
			step := OrderStep{OrderID: p.OrderID, Name: p.Step, State: p.StepState, Detail: p.Detail, At: p.At}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&step).Error; err != nil {
				return err
			}
		}
		order := map[string]any{}
		set(order, "state", string(p.OrderState))
		set(order, "charge_id", p.ChargeID)
		set(order, "refund_id", p.RefundID)
		set(order, "error_code", p.ErrorCode)
		set(order, "error_message", p.ErrorMessage)
		if len(order) > 0 {
			order["updated_at"] = p.At
			if err := tx.Model(&Order{}).Where("id = ?", p.OrderID).Updates(order).Error; err != nil {
				return err
			}
		}
		if p.OrderState == OrderDone { // the provider hears of the sale with the order's commit
			if err := s.notifyOrderDone(tx, p.OrderID, p.At); err != nil {
				return err
			}
		}
		sub := map[string]any{}
		set(sub, "state", string(p.SubscriptionState))
		if p.PeriodStart != nil {
			sub["current_period_start"] = *p.PeriodStart
		}
		if p.PeriodEnd != nil {
			sub["current_period_end"] = *p.PeriodEnd
		}
		if len(sub) > 0 {
			sub["updated_at"] = p.At
			if err := tx.Model(&Subscription{}).Where("id = ?", p.SubscriptionID).Updates(sub).Error; err != nil {
				return err
			}
			if p.SubscriptionState == SubscriptionActive {
				if err := refreshActiveSubscriptions(tx, p.OfferingID); err != nil {
					return err
				}
			}
		}
		agent := map[string]any{}
		set(agent, "status", string(p.AgentStatus))
		set(agent, "mcp_url", p.MCPURL)
		if p.AgentStatus == AgentRunning {
			agent["running_since"] = p.At
			agent["status_reason"] = ""
		}
		if p.AgentStatus == AgentFailed {
			agent["status_reason"] = p.ErrorMessage
		}
		if len(agent) > 0 {
			agent["updated_at"] = p.At
			if err := tx.Model(&Agent{}).Where("id = ?", p.AgentID).Updates(agent).Error; err != nil {
				return err
			}
		}
		if p.LedgerKind != "" {
			ref := p.ChargeID
			if p.LedgerKind == LedgerRefund {
				ref = p.RefundID
			}
			e := LedgerEntry{
				ID: NewID("led"), Kind: p.LedgerKind, Amount: p.LedgerAmount, Currency: p.Currency,
				OrganizationID: p.OrganizationID, ProviderID: p.ProviderID, OfferingID: p.OfferingID, PlanID: p.PlanID,
				OrderID: p.OrderID, SubscriptionID: p.SubscriptionID, ExternalRef: ref,
				DedupeKey: string(p.LedgerKind) + ":" + ref, OccurredAt: p.At, CreatedAt: Now(),
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&e).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

func set(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// refreshActiveSubscriptions keeps the offering's popularity counter exact.
func refreshActiveSubscriptions(tx *gorm.DB, offeringID string) error {
	if offeringID == "" {
		return nil
	}
	return tx.Exec(`UPDATE offerings SET active_subscriptions =
		(SELECT COUNT(*) FROM subscriptions WHERE offering_id = ? AND state = ?) WHERE id = ?`,
		offeringID, SubscriptionActive, offeringID).Error
}

// DeploymentSpec is what provisioning needs to know about an agent.
type DeploymentSpec struct {
	Agent    Agent
	Offering Offering
	Plan     Plan
}

// DeploymentSpec loads an agent with its offering and subscribed plan.
func (s *Store) DeploymentSpec(ctx context.Context, agentID string) (DeploymentSpec, error) {
	var d DeploymentSpec
	db := s.WithContext(ctx)
	if err := db.Take(&d.Agent, "id = ?", agentID).Error; err != nil {
		return d, notFound(err, "agent")
	}
	if err := db.Take(&d.Offering, "id = ?", d.Agent.OfferingID).Error; err != nil {
		return d, notFound(err, "offering")
	}
	var sub Subscription
	if err := db.Take(&sub, "id = ?", d.Agent.SubscriptionID).Error; err != nil {
		return d, notFound(err, "subscription")
	}
	err := db.Take(&d.Plan, "id = ?", sub.PlanID).Error
	return d, notFound(err, "plan")
}
