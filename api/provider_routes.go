package api

import "github.com/gin-gonic/gin"

// routesProvider registers the seller's endpoints: provider profile, offerings,
// plans, assets, shares and submission for review.
func (s *Server) routesProvider(r *gin.RouterGroup) {
	s.routesProviderProfile(r)
	s.routesProviderOfferings(r)
	s.routesProviderPlans(r)
	s.routesProviderAssets(r)
	s.routesProviderReview(r)
	s.routesProviderNotifications(r)
}
