package api

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/models"
	"github.com/cmp-platform/cmp/workflows"
)

// funnelWriteTimeout bounds a funnel write: analytics must never slow a page.
const funnelWriteTimeout = 2 * time.Second

// recordOfferingView counts a view of an offering page for the provider's funnel.
// It is best effort: a failed write is logged, the page is served anyway.
func (s *Server) recordOfferingView(c *gin.Context, o models.Offering) {
	u, _ := currentUser(c)
	s.recordFunnel(c, models.FunnelEvent{Kind: models.FunnelView, OfferingID: o.ID, ProviderID: o.ProviderID, UserID: u.ID})
}

// recordCheckoutStart counts a checkout once per buyer and Idempotency-Key, so
// abandonment (started but never paid) can be computed.
func (s *Server) recordCheckoutStart(c *gin.Context, in workflows.CheckoutInput) {
	s.recordFunnel(c, models.FunnelEvent{Kind: models.FunnelCheckoutStarted, OfferingID: in.OfferingID, ProviderID: in.ProviderID,
		UserID: in.UserID, DedupeKey: models.CheckoutStartKey(in.UserID, in.IdempotencyKey)})
}

func (s *Server) recordFunnel(c *gin.Context, e models.FunnelEvent) {
	if s.Store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c), funnelWriteTimeout)
	defer cancel()
	if err := s.Store.RecordFunnel(ctx, e); err != nil {
		s.Logger.Warn("funnel event not recorded", "kind", e.Kind, "offering", e.OfferingID, "err", err)
	}
}
