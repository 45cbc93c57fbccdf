package api_test

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cmp-platform/cmp/internal/apptest"
)

// chromiumPath is Debian's Chromium, installed by `make test` (target chromium).
const chromiumPath = "/usr/bin/chromium"

func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the widget test drives %s, which is missing: run `make chromium` (apt-get install chromium)", chromiumPath)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	t.Cleanup(func() { cancel(); cancelBrowser(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	return ctx
}

func TestWidget_PreviewInChromiumShowsTheBrandingAndAnswersATrainedQuestion(t *testing.T) {
	e := apptest.Start(t, apptest.Options{})
	u := e.Register("Wanda")
	p := e.Checkout(u, "support-agent", "Starter")
	base := "/api/v1/agents/" + p.Agent.ID
	e.Do(http.MethodPost, base+"/training/qa", map[string]string{"question": "Do you deliver on Sundays?", "answer": "Yes, Sunday delivery is free in Oslo."}, u.Token).
		Must(t, http.StatusCreated)
	tag := e.Do(http.MethodGet, base+"/branding", nil, u.Token).Must(t, http.StatusOK).Header.Get("ETag")
	e.Do(http.MethodPut, base+"/branding", map[string]any{"primary_color": "#ff0066", "welcome_message": "Welcome to Acme support!", "position": "bottom-left"},
		u.Token, "If-Match: "+tag).Must(t, http.StatusOK)

	var w struct {
		Configured bool   `json:"configured"`
		EmbedCode  string `json:"embed_code"`
		PreviewURL string `json:"preview_url"`
		ChatURL    string `json:"chat_url"`
		Key        struct {
			Key            string   `json:"key"`
			AllowedOrigins []string `json:"allowed_origins"`
		} `json:"key"`
	}
	e.Do(http.MethodGet, base+"/widget", nil, u.Token).Must(t, http.StatusOK).JSON(t, &w)
	if !w.Configured || !strings.HasPrefix(w.Key.Key, "cmp_pk_") || !strings.Contains(w.EmbedCode, `data-key="`+w.Key.Key+`"`) ||
		!strings.Contains(w.EmbedCode, e.URL+"/widget.js") || !strings.Contains(w.PreviewURL, "/widget/preview?key=") {
		t.Fatalf("widget %+v", w)
	}
	// A second visit shows the same key: it is embedded in pages and must not churn.
	var again struct{ Key struct{ Key string } }
	e.Do(http.MethodGet, base+"/widget", nil, u.Token).Must(t, http.StatusOK).JSON(t, &again)
	if again.Key.Key != w.Key.Key {
		t.Fatal("the widget key changed between two visits")
	}

	t.Run("PreviewPaintsTheBrandingAndChatsWithTheAgent", func(t *testing.T) {
		ctx := newBrowser(t)
		step := func(what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}
		step("open the preview", chromedp.Do(ctx, chromedp.Navigate(w.PreviewURL), chromedp.WaitVisible(chromedp.ID("cmp-widget-button"))))
		colour, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById('cmp-widget-button')).backgroundColor`))
		step("read the button colour", err)
		side, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('cmp-widget').style.left`))
		step("read the position", err)
		step("open the widget", chromedp.Do(ctx, chromedp.Click(chromedp.ID("cmp-widget-button")), chromedp.WaitVisible(chromedp.ID("cmp-widget-input"))))
		welcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("cmp-widget-welcome")))
		step("read the welcome message", err)
		step("ask", chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("cmp-widget-input"), "do you deliver on sundays?"),
			chromedp.Click(chromedp.ID("cmp-widget-send")), chromedp.WaitVisible(chromedp.CSS(".cmp-msg-reply"))))
		reply, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".cmp-msg-reply")))
		step("read the reply", err)
		if colour != "rgb(255, 0, 102)" || side != "20px" || welcome != "Welcome to Acme support!" || reply != "Yes, Sunday delivery is free in Oslo." {
			t.Fatalf("colour %q side %q welcome %q reply %q", colour, side, welcome, reply)
		}
	})

	t.Run("OtherSitesAndWrongKeysAreRefused", func(t *testing.T) {
		cfg := "/api/v1/widget/config?agent=" + p.Agent.ID + "&key=" + w.Key.Key
		e.Do(http.MethodGet, cfg, nil, "", "Origin: https://evil.example").Must(t, http.StatusForbidden)
		r := e.Do(http.MethodGet, cfg, nil, "", "Origin: "+e.URL).Must(t, http.StatusOK)
		if r.Header.Get("Access-Control-Allow-Origin") != e.URL {
			t.Fatalf("CORS header %q", r.Header.Get("Access-Control-Allow-Origin"))
		}
		e.Do(http.MethodGet, "/api/v1/widget/config?agent="+p.Agent.ID+"&key=cmp_pk_nope_nope", nil, "").Must(t, http.StatusNotFound)
		e.Do(http.MethodGet, base+"/widget/preview?key=wrong", nil, "").Must(t, http.StatusNotFound)
		req, _ := http.NewRequest(http.MethodPost, w.ChatURL, strings.NewReader(`{"message":"hi"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Widget-Key", w.Key.Key)
		req.Header.Set("Origin", "https://evil.example")
		if r := e.Send(req); r.Status != http.StatusForbidden {
			t.Fatalf("Site-Kit chat from another site: %s", r)
		}
		// Allowing the shop's origin lets it in, on CMP and on Site-Kit.
		e.Do(http.MethodPut, base+"/widget", map[string]any{"allowed_origins": []string{"https://shop.example"}, "appearance": map[string]any{"button_label": "Ask us", "theme": "dark"}}, u.Token).
			Must(t, http.StatusOK)
		e.Do(http.MethodGet, cfg, nil, "", "Origin: https://shop.example").Must(t, http.StatusOK)
		req, _ = http.NewRequest(http.MethodPost, w.ChatURL, strings.NewReader(`{"message":"do you deliver on sundays?"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Widget-Key", w.Key.Key)
		req.Header.Set("Origin", "https://shop.example")
		if r := e.Send(req); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "Sunday delivery") {
			t.Fatalf("Site-Kit chat from the shop: %s", r)
		}
		e.Do(http.MethodPut, base+"/widget", map[string]any{"allowed_origins": []string{"shop.example/path"}}, u.Token).Must(t, http.StatusBadRequest)
	})
}
