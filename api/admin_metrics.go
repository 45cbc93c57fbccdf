package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// MetricsDTO are the seed's success metrics, computed from the read models.
// Rates are in [0, 1]; durations in seconds.
type MetricsDTO struct {
	TimeToFirstPurchaseP50Seconds float64           `json:"time_to_first_purchase_p50_seconds"`
	Buyers                        int64             `json:"buyers"`
	CheckoutsStarted              int64             `json:"checkouts_started"`
	CheckoutsCompleted            int64             `json:"checkouts_completed"`
	CheckoutAbandonment           float64           `json:"checkout_abandonment"`
	AgentsRunning                 int64             `json:"agents_running"`
	ActivationWithin24h           float64           `json:"activation_within_24h"`
	ConfigurationCompletion       float64           `json:"configuration_completion"`
	TimeToFirstListingP50Seconds  float64           `json:"time_to_first_listing_p50_seconds"`
	Providers                     int64             `json:"providers"`
	ListingsApproved              int64             `json:"listings_approved"`
	ListingsRejected              int64             `json:"listings_rejected"`
	ListingApprovalRate           float64           `json:"listing_approval_rate"`
	Targets                       map[string]string `json:"targets"`
}

// metricTargets are the journey map's goals, shown beside the figures.
var metricTargets = map[string]string{
	"time_to_first_purchase_p50_seconds": "< 300", "checkout_abandonment": "< 0.20", "activation_within_24h": "> 0.80",
	"configuration_completion": "> 0.60", "time_to_first_listing_p50_seconds": "< 1800", "listing_approval_rate": "> 0.90",
}

func (s *Server) routesAdminMetrics(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/admin/metrics", doc{Summary: "The success metrics: time to first purchase, abandonment, activation, configuration, listing",
		Tag: "money", Access: accessOperator, Response: MetricsDTO{}}, s.adminMetrics)
}

func ratio(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func (s *Server) adminMetrics(c *gin.Context) {
	m, err := s.Store.PlatformMetrics(c)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, MetricsDTO{
		TimeToFirstPurchaseP50Seconds: m.TimeToFirstPurchaseP50.Seconds(), Buyers: m.Buyers,
		CheckoutsStarted: m.CheckoutsStarted, CheckoutsCompleted: m.CheckoutsCompleted,
		CheckoutAbandonment: abandonment(m.CheckoutsStarted, m.CheckoutsCompleted),
		AgentsRunning:       m.AgentsRunning, ActivationWithin24h: ratio(m.AgentsActivated, m.AgentsRunning),
		ConfigurationCompletion:      ratio(m.AgentsConfigured, m.AgentsRunning),
		TimeToFirstListingP50Seconds: m.TimeToFirstListingP50.Seconds(), Providers: m.Providers,
		ListingsApproved: m.ListingsApproved, ListingsRejected: m.ListingsRejected,
		ListingApprovalRate: ratio(m.ListingsApproved, m.ListingsApproved+m.ListingsRejected),
		Targets:             metricTargets,
	})
}
