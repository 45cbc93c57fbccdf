package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cmp-platform/cmp/api"
	"github.com/cmp-platform/cmp/internal/config"
	"github.com/cmp-platform/cmp/internal/db"
	"github.com/cmp-platform/cmp/models"
)

func init() { register("search", runSearch) }

// Sizes of the search benchmark: the catalog of a large marketplace.
const (
	benchOfferings = 10_000
	benchReviews   = 100_000
	benchProviders = 100
	benchBuyers    = 1_000
	benchWorkers   = 12
	benchDuration  = 8 * time.Second
)

// runSearch loads 10,000 offerings and 100,000 reviews into a fresh PostgreSQL
// database, serves the real API handler on loopback and drives filtered searches
// from concurrent workers, against a floor of GET /healthz on the same server.
func runSearch(ctx context.Context) error {
	admin := os.Getenv("CMP_BENCH_POSTGRES_URL")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	dsn, drop, err := createBenchDB(ctx, admin)
	if err != nil {
		return err
	}
	if os.Getenv("CMP_BENCH_KEEP") == "" {
		defer drop()
	} else {
		fmt.Println("keeping", dsn)
	}
	g, err := db.Open(dsn)
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx, g); err != nil {
		return err
	}
	sqlDB, _ := g.DB()
	defer sqlDB.Close()
	start := time.Now()
	if err := loadCatalog(ctx, dsn); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	fmt.Printf("loaded %d offerings, %d plans, %d reviews in %s\n", benchOfferings, 2*benchOfferings, benchReviews, time.Since(start).Round(time.Millisecond))

	cfg, err := config.Load()
	if err != nil {
		return err
	}
	// Catalog routes need only the store: no Temporal client, no worker. Requests
	// cut off at the end of a run log errors; keep them off the report.
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	prev := slog.Default()
	slog.SetDefault(quiet)
	defer slog.SetDefault(prev)
	srv := api.New(api.Deps{Store: models.NewStore(g), Config: cfg, Logger: quiet})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	urls := searchURLs(base)
	if err := checkURLs(urls); err != nil {
		return err
	}
	floor := drive(ctx, []string{base + "/healthz"})
	report("floor GET /healthz", floor, floor)
	fmt.Printf("  (%d distinct filtered searches, %d workers, %s each)\n", len(urls), benchWorkers, benchDuration)
	report("filtered search", drive(ctx, urls), floor) // page cache warm: each URL repeats
	// A unique, ignored parameter per request defeats the page cache: every request
	// runs its search in PostgreSQL (the figure for a long tail of distinct searches).
	uncached := make([]string, 0, 100*len(urls))
	for i := 0; i < 100; i++ {
		for _, u := range urls {
			uncached = append(uncached, fmt.Sprintf("%s&nocache=%d", u, i))
		}
	}
	if path := os.Getenv("CMP_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	report("uncached search", drive(ctx, uncached), floor)
	return nil
}

func createBenchDB(ctx context.Context, admin string) (string, func(), error) {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "cmp_bench_search_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", admin, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE "`+name+`"`); err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(admin)
	u.Path = "/" + name
	drop := func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			fmt.Fprintf(os.Stderr, "drop %s: %v\n", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			fmt.Fprintf(os.Stderr, "drop %s: %v\n", name, err)
		}
	}
	return u.String(), drop, nil
}

var (
	benchAdjectives = []string{"smart", "rapid", "secure", "friendly", "precise", "global", "instant", "adaptive", "clever", "robust",
		"visual", "quiet", "bright", "lean", "agile", "bold", "calm", "deep", "open", "prime",
		"swift", "steady", "vivid", "nimble", "keen", "loyal", "modern", "native", "polished", "proven",
		"simple", "solid", "sturdy", "tidy", "trusty", "unified", "vital", "wise", "zesty", "brisk"}
	benchNouns = []string{"support", "sales", "invoice", "calendar", "analytics", "voice", "chat", "review", "sync", "scheduler",
		"router", "monitor", "translator", "writer", "planner", "tracker", "helper", "concierge", "auditor", "dashboard",
		"billing", "payroll", "recruiter", "onboarding", "compliance", "forecast", "inventory", "logistics", "marketing", "survey",
		"ticketing", "knowledge", "contract", "expense", "pricing", "quoting", "booking", "dispatch", "feedback", "moderator"}
	benchFeatures = []string{"Knowledge base answers", "Human handoff", "Multilingual replies", "Ticket summaries", "Calendar booking",
		"CRM sync", "Field mapping", "Webhooks", "Voice calls", "Security checks", "Custom reports", "CSV export", "Scheduled tasks",
		"Retries and alerts", "Invoice extraction", "Embeddable widget", "Custom branding", "Slack integration", "Transcription", "Action items"}
	benchCategories = []models.Category{models.CategoryAgents, models.CategoryApps, models.CategoryAssistants, models.CategoryAutomations}
)

// loadCatalog bulk-loads the catalog with COPY; the search trigger indexes every row.
func loadCatalog(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	now := time.Now().UTC()
	var users, orgs, provs, offs, plans, reviews [][]any
	for i := 0; i < benchProviders+benchBuyers; i++ {
		uid, oid := fmt.Sprintf("usr_bench%05d", i), fmt.Sprintf("org_bench%05d", i)
		users = append(users, []any{uid, fmt.Sprintf("bench%05d@example.com", i), fmt.Sprintf("Bench User %d", i), "x", false, now})
		orgs = append(orgs, []any{oid, fmt.Sprintf("Bench Org %d", i), uid, false, now})
		if i < benchProviders {
			provs = append(provs, []any{fmt.Sprintf("prv_bench%05d", i), oid, fmt.Sprintf("provider-%d", i),
				fmt.Sprintf("%s Labs %d", title(benchAdjectives[i%len(benchAdjectives)]), i), now, now})
		}
	}
	for i := 0; i < benchOfferings; i++ {
		id := fmt.Sprintf("off_bench%06d", i)
		adj, noun := benchAdjectives[i%len(benchAdjectives)], benchNouns[(i/len(benchAdjectives))%len(benchNouns)]
		f1, f2, f3 := benchFeatures[i%20], benchFeatures[(i*7+3)%20], benchFeatures[(i*13+5)%20]
		price := int64(500 + (i*37)%100*100)
		demo := ""
		if i%3 == 0 {
			demo = "https://demo.example/" + id
		}
		offs = append(offs, []any{id, fmt.Sprintf("prv_bench%05d", i%benchProviders), fmt.Sprintf("%s-%s-%d", adj, noun, i),
			fmt.Sprintf("%s %s %d", title(adj), title(noun), i), string(benchCategories[i%4]),
			fmt.Sprintf("A %s %s for %s teams.", adj, noun, benchNouns[(i*3)%len(benchNouns)]),
			fmt.Sprintf("The %s %s handles %s and %s with %s.", adj, noun, benchNouns[(i*7)%len(benchNouns)], benchNouns[(i*11)%len(benchNouns)], f1),
			jsonList(f1, f2, f3), jsonList(noun, benchNouns[(i*3)%len(benchNouns)]), demo, "public", "active", i%50 == 0,
			int64(i % 40), price, "usd", now.Add(time.Duration(i) * time.Second), now, now})
		for k, name := range []string{"Starter", "Pro"} {
			comps := fmt.Sprintf(`[{"type":"fixed","name":"Subscription","unit":"month","unit_price":%d,"included_amount":0}]`, price*int64(k+1))
			if i%2 == 0 {
				comps = comps[:len(comps)-1] + `,{"type":"usage","name":"Requests","unit":"mcp_tool_calls","unit_price":1,"included_amount":1000}]`
			}
			plans = append(plans, []any{fmt.Sprintf("pln_bench%06d_%d", i, k), id, name, price * int64(k+1) * 3, price * int64(k+1) * 30, comps, k, now, now})
		}
		for k := 0; k < benchReviews/benchOfferings; k++ {
			buyer := benchProviders + (i*7+k*131)%benchBuyers
			reviews = append(reviews, []any{fmt.Sprintf("rev_bench%06d_%d", i, k), id, fmt.Sprintf("org_bench%05d", buyer), fmt.Sprintf("usr_bench%05d", buyer),
				int64(1 + (i+k*3)%5), "Review " + fmt.Sprint(k), "Useful.", now, now})
		}
	}
	// Starting price is the Starter plan's, monthly-normalised (annual is cheaper per month).
	for i := range offs {
		offs[i][14] = plans[2*i][4].(int64) / 12
	}
	tables := []struct {
		name string
		cols []string
		rows [][]any
	}{
		{"users", []string{"id", "email", "name", "password_hash", "is_operator", "created_at"}, users},
		{"organizations", []string{"id", "name", "owner_user_id", "personal", "created_at"}, orgs},
		{"providers", []string{"id", "organization_id", "slug", "name", "created_at", "updated_at"}, provs},
		{"offerings", []string{"id", "provider_id", "slug", "name", "category", "summary", "description", "features", "tags", "demo_url",
			"visibility", "state", "featured", "active_subscriptions", "starting_price", "currency", "created_at", "updated_at", "published_at"}, offs},
		{"plans", []string{"id", "offering_id", "name", "price_monthly", "price_annual", "components", "position", "created_at", "updated_at"}, plans},
		{"reviews", []string{"id", "offering_id", "organization_id", "user_id", "rating", "title", "body", "created_at", "updated_at"}, reviews},
	}
	for _, t := range tables {
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
	}
	for _, stmt := range []string{
		`UPDATE offerings o SET rating_avg = r.avg, rating_count = r.n FROM
		   (SELECT offering_id, AVG(rating) AS avg, COUNT(*) AS n FROM reviews WHERE NOT hidden GROUP BY offering_id) r WHERE r.offering_id = o.id`,
		`UPDATE providers p SET rating_avg = r.avg, rating_count = r.n FROM
		   (SELECT o.provider_id, AVG(rv.rating) AS avg, COUNT(*) AS n FROM reviews rv JOIN offerings o ON o.id = rv.offering_id
		    WHERE NOT rv.hidden GROUP BY o.provider_id) r WHERE r.provider_id = p.id`,
		`VACUUM ANALYZE`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

func title(s string) string { return string(s[0]-32) + s[1:] }

func jsonList(items ...string) string {
	out := "["
	for i, s := range items {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("%q", s)
	}
	return out + "]"
}

// searchURLs is the mix a marketplace front page sees: a word typed (often a
// prefix), a category, a price band, a minimum rating, a demo filter, a sort.
func searchURLs(base string) []string {
	sorts := []string{"", "rating", "price_asc", "price_desc", "popularity", "newest"}
	var out []string
	for i := 0; i < 240; i++ {
		v := url.Values{"limit": {"20"}}
		switch i % 4 {
		case 0:
			v.Set("q", benchNouns[i%len(benchNouns)])
		case 1:
			v.Set("q", benchAdjectives[i%len(benchAdjectives)][:4])
			v.Set("category", string(benchCategories[i%4]))
		case 2:
			v.Set("category", string(benchCategories[(i/4)%4]))
			v.Set("price_min", "1000")
			v.Set("price_max", "20000")
		case 3:
			j := i * 41 // an adjective and noun that name some offerings together
			v.Set("q", benchNouns[(j/len(benchAdjectives))%len(benchNouns)]+" "+benchAdjectives[j%len(benchAdjectives)])
			v.Set("min_rating", "3")
		}
		if i%5 == 0 {
			v.Set("has_demo", "true")
		}
		if i%7 == 0 {
			v.Set("pricing_model", "usage")
		}
		if s := sorts[i%len(sorts)]; s != "" {
			v.Set("sort", s)
		}
		out = append(out, base+"/api/v1/offerings?"+v.Encode())
	}
	return out
}

// checkURLs makes sure every search answers 200 before timing anything.
func checkURLs(urls []string) error {
	for _, u := range urls {
		resp, err := http.Get(u)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", u, resp.StatusCode)
		}
	}
	return nil
}

type result struct {
	n       int
	elapsed time.Duration
	lat     []time.Duration
	errors  int
}

// drive sends the URLs round-robin from benchWorkers workers for benchDuration.
func drive(ctx context.Context, urls []string) result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchWorkers, MaxConnsPerHost: benchWorkers}}
	ctx, cancel := context.WithTimeout(ctx, benchDuration)
	defer cancel()
	var mu sync.Mutex
	var all result
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < benchWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for i := w; ctx.Err() == nil; i += benchWorkers {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, urls[i%len(urls)], nil)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs++
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all.lat = append(all.lat, lat...)
			all.errors += errs
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	all.n = len(all.lat)
	sort.Slice(all.lat, func(i, j int) bool { return all.lat[i] < all.lat[j] })
	return all
}

func (r result) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[int(float64(len(r.lat)-1)*p)]
}

func report(name string, r, floor result) {
	fmt.Printf("%-20s %8.0f req/s  p50 %7s  p99 %7s  errors %d  (floor ratio: %.2fx req/s, %.1fx p99)\n", name, r.rps(),
		r.pct(0.50).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond), r.errors,
		r.rps()/floor.rps(), float64(r.pct(0.99))/float64(floor.pct(0.99)))
}
