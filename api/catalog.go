package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// CategoryDTO is one marketplace category with how many offerings it lists.
type CategoryDTO struct {
	Slug          string `json:"slug"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	OfferingCount int64  `json:"offering_count"`
}

// CategoriesResponse lists the categories.
type CategoriesResponse struct {
	Items []CategoryDTO `json:"items"`
}

// ProviderRef is a provider as shown on a listing.
type ProviderRef struct {
	ID          string  `json:"id"`
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	RatingAvg   float64 `json:"rating"`
	RatingCount int64   `json:"rating_count"`
}

// Money is an amount in integer minor units with its currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// PriceDTO is a starting price per period.
type PriceDTO struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Period   string `json:"period"`
}

// OfferingSummary is one listing in search results.
type OfferingSummary struct {
	ID            string      `json:"id"`
	Slug          string      `json:"slug"`
	Name          string      `json:"name"`
	Category      string      `json:"category"`
	Summary       string      `json:"summary"`
	LogoURL       string      `json:"logo_url,omitempty"`
	Provider      ProviderRef `json:"provider"`
	StartingPrice PriceDTO    `json:"starting_price"`
	Rating        float64     `json:"rating"`
	RatingCount   int64       `json:"rating_count"`
	Featured      bool        `json:"featured"`
}

// PlanPrices are a plan's prices per billing cycle, in minor units.
type PlanPrices struct {
	Monthly int64 `json:"monthly"`
	Annual  int64 `json:"annual"`
}

// PlanDTO is a plan on an offering page.
type PlanDTO struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Description string             `json:"description"`
	Prices      PlanPrices         `json:"prices"`
	Currency    string             `json:"currency"`
	Components  []models.Component `json:"components"`
	Features    []string           `json:"features"`
	Limits      map[string]int64   `json:"limits"`
}

func toProviderRef(p *models.Provider) ProviderRef {
	if p == nil {
		return ProviderRef{}
	}
	return ProviderRef{ID: p.ID, Slug: p.Slug, Name: p.Name, RatingAvg: p.RatingAvg, RatingCount: p.RatingCount}
}

func toOfferingSummary(o models.Offering) OfferingSummary {
	return OfferingSummary{
		ID: o.ID, Slug: o.Slug, Name: o.Name, Category: string(o.Category), Summary: o.Summary, LogoURL: o.LogoURL,
		Provider:      toProviderRef(o.Provider),
		StartingPrice: PriceDTO{Amount: o.StartingPrice, Currency: o.Currency, Period: "month"},
		Rating:        o.RatingAvg, RatingCount: o.RatingCount, Featured: o.Featured,
	}
}

func toPlanDTO(p models.Plan) PlanDTO {
	comps, feats, limits := p.Components.V, p.Features.V, p.Limits.V
	if comps == nil {
		comps = []models.Component{}
	}
	if feats == nil {
		feats = []string{}
	}
	if limits == nil {
		limits = map[string]int64{}
	}
	return PlanDTO{ID: p.ID, Name: p.Name, Description: p.Description, Prices: PlanPrices{Monthly: p.PriceMonthly, Annual: p.PriceAnnual},
		Currency: p.Currency, Components: comps, Features: feats, Limits: limits}
}

func (s *Server) routesCatalog(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/categories", doc{Summary: "The four categories with offering counts", Tag: "catalog", Response: CategoriesResponse{}}, s.categories)
	s.routesSearch(r)
	s.routesOfferingDetail(r)
}

func (s *Server) categories(c *gin.Context) {
	counts := map[string]int64{}
	var rows []struct {
		Category string
		N        int64
	}
	q := s.Store.VisibleOfferings(s.Store.WithContext(c).Model(&models.Offering{}), s.viewer(c))
	if err := q.Select("category, COUNT(*) AS n").Group("category").Scan(&rows).Error; err != nil {
		fail(c, err)
		return
	}
	for _, r := range rows {
		counts[r.Category] = r.N
	}
	out := CategoriesResponse{Items: []CategoryDTO{}}
	for _, k := range models.Categories {
		out.Items = append(out.Items, CategoryDTO{Slug: string(k.Slug), Name: k.Name, Description: k.Description, OfferingCount: counts[string(k.Slug)]})
	}
	c.JSON(http.StatusOK, out)
}

// viewer describes who is asking, for visibility rules.
func (s *Server) viewer(c *gin.Context) models.Viewer {
	u, ok := currentUser(c)
	if !ok {
		return models.Viewer{}
	}
	ids, _ := s.Store.OrganizationIDsOf(c, u.ID)
	return models.Viewer{UserID: u.ID, OrganizationIDs: ids, Operator: u.IsOperator}
}

// queryLimit reads ?limit= within [1, max], defaulting to def.
func queryLimit(c *gin.Context, def, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, errs.Field("limit", "limit must be an integer from 1 to %d", max)
	}
	return n, nil
}
