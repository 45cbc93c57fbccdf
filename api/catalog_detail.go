package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/models"
)

// OfferingDetail is an offering page.
type OfferingDetail struct {
	OfferingSummary
	Description      string       `json:"description"`
	Features         []string     `json:"features"`
	Tags             []string     `json:"tags"`
	FAQ              []models.FAQ `json:"faq"`
	DocumentationURL string       `json:"documentation_url"`
	DemoURL          string       `json:"demo_url"`
	TermsOfService   string       `json:"terms_of_service"`
	PrivacyPolicyURL string       `json:"privacy_policy_url"`
	Screenshots      []string     `json:"screenshots"`
	Plans            []PlanDTO    `json:"plans"`
	PublishedAt      *time.Time   `json:"published_at,omitempty"`
}

func (s *Server) routesOfferingDetail(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/offerings/:slug", doc{Summary: "An offering page with plans", Tag: "catalog", Response: OfferingDetail{}}, s.offeringDetail)
}

func (s *Server) offeringDetail(c *gin.Context) {
	o, err := s.Store.OfferingForViewer(c, s.viewer(c), c.Param("slug"))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toOfferingDetail(o))
}

func toOfferingDetail(o models.Offering) OfferingDetail {
	d := OfferingDetail{
		OfferingSummary: toOfferingSummary(o), Description: o.Description,
		Features: nonNil(o.Features.V), Tags: nonNil(o.Tags.V), FAQ: o.FAQ.V, DocumentationURL: o.DocumentationURL,
		DemoURL: o.DemoURL, TermsOfService: o.TermsOfService, PrivacyPolicyURL: o.PrivacyPolicyURL,
		Screenshots: nonNil(o.Screenshots.V), Plans: []PlanDTO{}, PublishedAt: o.PublishedAt,
	}
	if d.FAQ == nil {
		d.FAQ = []models.FAQ{}
	}
	for _, p := range o.Plans {
		d.Plans = append(d.Plans, toPlanDTO(p))
	}
	return d
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
