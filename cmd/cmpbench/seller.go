package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/cmp-platform/cmp/internal/app"
	"github.com/cmp-platform/cmp/workflows"
)

func init() { register("seller", runSeller) }

// sellerListings is how many offerings the seller benchmark takes to a live listing.
var sellerListings = sellerEnvInt("CMP_BENCH_LISTINGS", 20)

// runSeller measures time to first listing on its own stack: for each offering the
// whole seller journey over HTTP (create, plan, logo, submit with automated
// checks), then the operator's decision, alternately through the API and as a
// raw Temporal signal (what `temporal workflow signal` sends), timed until the
// offering shows in the anonymous listing. The floor is the least a signalled
// decision can cost on the same server: signal a bare waiting workflow and get
// its result.
func runSeller(ctx context.Context) error {
	env, err := newBenchEnv(ctx, "seller")
	if err != nil {
		return err
	}
	defer env.Close()
	st, err := env.startStack(ctx, "cmp-bench-seller")
	if err != nil {
		return err
	}
	defer st.Close()
	w := worker.New(st.Temporal, sellerFloorQueue, app.WorkerOptions())
	w.RegisterWorkflowWithOptions(sellerFloorWorkflow, workflow.RegisterOptions{Name: "BenchSellerFloor"})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	b := &sellerBench{base: st.APIURL + "/api/v1", http: &http.Client{Timeout: time.Minute}}

	seller, err := b.token("/auth/register", map[string]string{"email": "bench-seller@example.com", "password": "correct-horse", "name": "Bench"})
	if err != nil {
		return err
	}
	if _, err := b.call(http.MethodPost, "/providers", seller, map[string]string{"name": "Bench Labs"}, http.StatusCreated); err != nil {
		return err
	}
	ops, err := b.token("/auth/login", map[string]string{"email": st.Config.OperatorEmail, "password": st.Config.OperatorPassword})
	if err != nil {
		return err
	}
	var floor, journey, submit, viaAPI, viaSignal []time.Duration
	calls := 0
	for i := range sellerListings + 2 { // the first two warm up
		word := "benchword" + strconv.Itoa(i)
		t0 := time.Now()
		b.calls = 0
		id, err := b.draft(seller, word)
		if err != nil {
			return err
		}
		ts := time.Now()
		if _, err := b.call(http.MethodPost, "/provider/offerings/"+id+"/submit", seller, nil, http.StatusOK); err != nil {
			return err
		}
		submitTook := time.Since(ts)
		ta := time.Now()
		if i%2 == 0 {
			_, err = b.call(http.MethodPost, "/admin/offerings/"+id+"/approve", ops, map[string]string{"note": "bench"}, http.StatusOK)
		} else {
			err = st.Temporal.SignalWorkflow(ctx, workflows.OfferingApprovalWorkflowID(id), "", workflows.SignalApprove,
				json.RawMessage(`{"operator":"ops@cmp.local","note":"bench"}`))
		}
		if err != nil {
			return err
		}
		if err := b.waitListed(word, 5*time.Second); err != nil {
			return err
		}
		listed := time.Since(ta)
		fl, err := sellerFloor(ctx, st.Temporal, i)
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		if i < 2 {
			continue
		}
		floor = append(floor, fl)
		journey = append(journey, time.Since(t0))
		submit = append(submit, submitTook)
		calls = b.calls
		if i%2 == 0 {
			viaAPI = append(viaAPI, listed)
		} else {
			viaSignal = append(viaSignal, listed)
		}
	}
	fp50 := sellerPct(floor, 50)
	fmt.Printf("floor: signal a bare waiting workflow until its result, %d runs: p50 %s\n", len(floor), sellerMS(fp50))
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{
		{"submit (Update-With-Start, automated checks incl. Site-Kit package validation)", submit},
		{"approve via API until listed anonymously", viaAPI},
		{"approve via Temporal signal until listed anonymously", viaSignal},
		{fmt.Sprintf("seller journey per listing (create, plan, logo, submit, decision, listing polls; %d HTTP calls in the last)", calls), journey},
	} {
		fmt.Printf("%-100s p50 %s  p95 %s  max %s  (%.1fx floor)\n", r.name, sellerMS(sellerPct(r.d, 50)), sellerMS(sellerPct(r.d, 95)),
			sellerMS(sellerPct(r.d, 100)), float64(sellerPct(r.d, 50))/float64(max(fp50, 1)))
	}
	worst := max(sellerPct(viaAPI, 100), sellerPct(viaSignal, 100))
	verdict := "met"
	if worst > time.Second {
		verdict = "MISSED"
	}
	fmt.Printf("goal listed within 1s of approval (worst of %d): %s, %s\n", len(viaAPI)+len(viaSignal), sellerMS(worst), verdict)
	return nil
}

const sellerFloorQueue = "cmp-bench-seller-floor"

// sellerFloorWorkflow waits for one signal and ends: a decision with no work.
func sellerFloorWorkflow(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
	return nil
}

// sellerFloor starts a floor workflow, then times signal → result.
func sellerFloor(ctx context.Context, c client.Client, i int) (time.Duration, error) {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-seller-floor-%d-%d", time.Now().UnixNano(), i),
		TaskQueue: sellerFloorQueue}, "BenchSellerFloor")
	if err != nil {
		return 0, err
	}
	time.Sleep(20 * time.Millisecond) // let the first task run, as a real review is waiting
	t0 := time.Now()
	if err := c.SignalWorkflow(ctx, run.GetID(), run.GetRunID(), "go", nil); err != nil {
		return 0, err
	}
	err = run.Get(ctx, nil)
	return time.Since(t0), err
}

type sellerBench struct {
	base  string
	http  *http.Client
	calls int
}

func (b *sellerBench) call(method, path, token string, body any, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return b.send(req, token, want)
}

func (b *sellerBench) send(req *http.Request, token string, want int) ([]byte, error) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	b.calls++
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, out)
	}
	return out, nil
}

func (b *sellerBench) token(path string, body any) (string, error) {
	out, err := b.call(http.MethodPost, path, "", body, map[bool]int{true: http.StatusCreated, false: http.StatusOK}[path == "/auth/register"])
	if err != nil {
		return "", err
	}
	var v struct{ Token string }
	err = json.Unmarshal(out, &v)
	return v.Token, err
}

// draft creates a complete offering with a plan and a logo and returns its ID.
func (b *sellerBench) draft(token, word string) (string, error) {
	out, err := b.call(http.MethodPost, "/provider/offerings", token, map[string]any{"category": "agents", "name": "Bench " + word,
		"summary": "Benchmark listing " + word, "description": "Measured.", "terms_of_service": "None.",
		"package_ref": "sitekit://bench@1.0.0"}, http.StatusCreated)
	if err != nil {
		return "", err
	}
	var o struct{ ID string }
	if err := json.Unmarshal(out, &o); err != nil {
		return "", err
	}
	if _, err := b.call(http.MethodPost, "/provider/offerings/"+o.ID+"/plans", token, map[string]any{"name": "Starter",
		"prices": map[string]int64{"monthly": 1900, "annual": 19000}, "currency": "usd"}, http.StatusCreated); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", "logo.png")
	_, _ = part.Write([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" + word))
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, b.base+"/provider/offerings/"+o.ID+"/logo", &buf)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	if _, err := b.send(req, token, http.StatusOK); err != nil {
		return "", err
	}
	return o.ID, nil
}

func (b *sellerBench) waitListed(word string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		out, err := b.call(http.MethodGet, "/offerings?q="+url.QueryEscape(word), "", nil, http.StatusOK)
		if err != nil {
			return err
		}
		var page struct{ Items []struct{ Slug string } }
		if err := json.Unmarshal(out, &page); err != nil {
			return err
		}
		if len(page.Items) > 0 {
			return nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("%s not listed within %v", word, within)
}

func sellerPct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s) - 1) * p / 100
	return s[i]
}

func sellerMS(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func sellerEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
