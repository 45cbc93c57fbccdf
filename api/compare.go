package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/cmp-platform/cmp/internal/errs"
	"github.com/cmp-platform/cmp/models"
)

// Comparison is a side-by-side table of 2 to 4 offerings. Every row holds one
// cell per offering, in the order of Offerings (null where an offering has none).
type Comparison struct {
	Offerings  []CompareColumn  `json:"offerings"`
	Plans      []ComparePlanRow `json:"plans"`
	Features   []ComparePresent `json:"features"`
	Components []ComparePresent `json:"components"`
}

// CompareColumn heads one offering's column.
type CompareColumn struct {
	Slug          string      `json:"slug"`
	Name          string      `json:"name"`
	Category      string      `json:"category"`
	Summary       string      `json:"summary"`
	Provider      ProviderRef `json:"provider"`
	Rating        float64     `json:"rating"`
	RatingCount   int64       `json:"rating_count"`
	StartingPrice PriceDTO    `json:"starting_price"`
	DemoURL       string      `json:"demo_url"`
}

// ComparePlanRow aligns the plans of the same name (Starter, Pro, ...).
type ComparePlanRow struct {
	Name  string         `json:"name"`
	Cells []*ComparePlan `json:"cells"`
}

// ComparePlan is one offering's plan in a row, with the annual price also per month.
type ComparePlan struct {
	ID                   string             `json:"id"`
	Currency             string             `json:"currency"`
	Monthly              int64              `json:"monthly"`
	Annual               int64              `json:"annual"`
	AnnualPerMonth       int64              `json:"annual_per_month"`
	Components           []models.Component `json:"components"`
	Features             []string           `json:"features"`
	Limits               map[string]int64   `json:"limits"`
	AnnualSavingsPercent int64              `json:"annual_savings_percent"`
}

// ComparePresent says which offerings have a feature or a billing component.
type ComparePresent struct {
	Name    string `json:"name"`
	Present []bool `json:"present"`
}

func (s *Server) routesCompare(r *gin.RouterGroup) {
	s.handle(r, http.MethodGet, "/compare", doc{Summary: "Compare 2 to 4 offerings side by side: plans, prices, components, features (ETag, 304)",
		Tag: "catalog", Query: []string{"offerings"}, Response: Comparison{}}, s.cached(), s.compare)
}

func (s *Server) compare(c *gin.Context) {
	slugs, err := compareSlugs(c.Query("offerings"))
	if err != nil {
		fail(c, err)
		return
	}
	v := s.viewer(c)
	offs := make([]models.Offering, 0, len(slugs))
	for _, slug := range slugs {
		o, err := s.Store.OfferingForViewer(c, v, slug)
		if err != nil {
			fail(c, err)
			return
		}
		offs = append(offs, o)
	}
	c.JSON(http.StatusOK, toComparison(offs))
}

func compareSlugs(raw string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if len(out) < 2 || len(out) > 4 {
		return nil, errs.Field("offerings", "offerings must list 2 to 4 different offering slugs, comma-separated")
	}
	return out, nil
}

// toComparison aligns plans by name (in the order they first appear), and lists
// the union of features and components in first-seen order.
func toComparison(offs []models.Offering) Comparison {
	n := len(offs)
	out := Comparison{Offerings: []CompareColumn{}, Plans: []ComparePlanRow{}, Features: []ComparePresent{}, Components: []ComparePresent{}}
	planRow := map[string]int{}
	feature := map[string]int{}
	component := map[string]int{}
	mark := func(rows *[]ComparePresent, index map[string]int, name string, col int) {
		key := strings.ToLower(name)
		i, ok := index[key]
		if !ok {
			i = len(*rows)
			index[key] = i
			*rows = append(*rows, ComparePresent{Name: name, Present: make([]bool, n)})
		}
		(*rows)[i].Present[col] = true
	}
	for col, o := range offs {
		out.Offerings = append(out.Offerings, CompareColumn{Slug: o.Slug, Name: o.Name, Category: string(o.Category), Summary: o.Summary,
			Provider: toProviderRef(o.Provider), Rating: roundRating(o.RatingAvg), RatingCount: o.RatingCount,
			StartingPrice: PriceDTO{Amount: o.StartingPrice, Currency: o.Currency, Period: "month"}, DemoURL: o.DemoURL})
		for _, f := range o.Features.V {
			mark(&out.Features, feature, f, col)
		}
		for _, p := range o.Plans {
			key := strings.ToLower(p.Name)
			i, ok := planRow[key]
			if !ok {
				i = len(out.Plans)
				planRow[key] = i
				out.Plans = append(out.Plans, ComparePlanRow{Name: p.Name, Cells: make([]*ComparePlan, n)})
			}
			out.Plans[i].Cells[col] = toComparePlan(p)
			for _, comp := range p.Components.V {
				mark(&out.Components, component, comp.Name+" ("+string(comp.Type)+")", col)
			}
		}
	}
	return out
}

func toComparePlan(p models.Plan) *ComparePlan {
	d := toPlanDTO(p)
	cp := &ComparePlan{ID: p.ID, Currency: p.Currency, Monthly: p.PriceMonthly, Annual: p.PriceAnnual, AnnualPerMonth: p.PriceAnnual / 12,
		Components: d.Components, Features: d.Features, Limits: d.Limits}
	if p.PriceMonthly > 0 && p.PriceAnnual > 0 {
		cp.AnnualSavingsPercent = 100 - p.PriceAnnual*100/(p.PriceMonthly*12)
	}
	return cp
}
