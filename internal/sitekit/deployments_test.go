package sitekit

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateDeployment_IsIdempotentOnID(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	ctx := context.Background()
	req := CreateDeploymentRequest{ID: "agt_1", AgentName: "Support", Package: testPackage, Plan: "pro"}

	first, err := h.client.CreateDeployment(ctx, req)
	require.NoError(t, err)
	require.Equal(t, StatusRunning, first.Status)
	require.Equal(t, h.srv.URL+"/mcp/agt_1", first.MCPURL)

	// A retry after a lost response must not create a second deployment.
	req.Plan = "enterprise"
	again, err := h.client.CreateDeployment(ctx, req)
	require.NoError(t, err)
	require.Equal(t, first, again)

	got, err := h.client.GetDeployment(ctx, "agt_1")
	require.NoError(t, err)
	require.Equal(t, first, got)
}

func TestCreateDeployment_InvalidPackageIs422(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	for _, pkg := range []string{"", "support-agent@1.2.0", "sitekit://Support@1.2.0", "sitekit://support-agent@1.2", "sitekit://support-agent"} {
		_, err := h.client.CreateDeployment(context.Background(), CreateDeploymentRequest{ID: "agt_1", Package: pkg})
		e := requireStatus(t, err, http.StatusUnprocessableEntity, CodeInvalidPackage)
		require.True(t, IsPermanent(e), pkg)
	}
	_, err := h.client.GetDeployment(context.Background(), "agt_1")
	requireStatus(t, err, http.StatusNotFound, CodeNotFound)
}

func TestValidatePackage_ReportsVerdictNotError(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	v, err := h.client.ValidatePackage(context.Background(), "sitekit://support-agent@1.2.0-beta.1+build.5")
	require.NoError(t, err)
	require.True(t, v.Valid)

	v, err = h.client.ValidatePackage(context.Background(), "docker://support-agent:latest")
	require.NoError(t, err)
	require.False(t, v.Valid)
	require.Contains(t, v.Reason, "sitekit://")
}

func TestOperatorAPI_RejectsWrongToken(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	for _, token := range []string{"", "not-the-token"} {
		c := NewClient(h.srv.URL, token, nil)
		_, err := c.CreateDeployment(context.Background(), CreateDeploymentRequest{ID: "agt_1", Package: testPackage})
		requireStatus(t, err, http.StatusUnauthorized, CodeUnauthorized)
	}
}

func TestPut_LowerVersionIsIgnored(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	ctx := context.Background()

	res, err := h.client.PutPersona(ctx, "agt_1", Persona{Version: 3, Name: "Ava"})
	require.NoError(t, err)
	require.Equal(t, PutResult{Version: 3, Applied: true}, res)

	// A delayed retry of an older edit must not roll the buyer's change back.
	res, err = h.client.PutPersona(ctx, "agt_1", Persona{Version: 2, Name: "Old"})
	require.NoError(t, err)
	require.Equal(t, PutResult{Version: 3, Applied: false}, res)

	res, err = h.client.PutBranding(ctx, "agt_1", Branding{Version: 5, PrimaryColor: "#112233"})
	require.NoError(t, err)
	require.True(t, res.Applied)
	res, err = h.client.PutBranding(ctx, "agt_1", Branding{Version: 4, PrimaryColor: "#000000"})
	require.NoError(t, err)
	require.Equal(t, PutResult{Version: 5, Applied: false}, res)

	d, err := h.client.GetDeployment(ctx, "agt_1")
	require.NoError(t, err)
	require.Equal(t, Versions{Persona: 3, Branding: 5, Knowledge: 0, Keys: 1}, d.Versions)

	cs := mustConnectMCP(t, h.mcpURL("agt_1"), testKey)
	require.Equal(t, "Ava", getProfile(t, cs).PersonaName)
}

func TestPut_InvalidDocumentsAre422(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	ctx := context.Background()
	_, err := h.client.PutBranding(ctx, "agt_1", Branding{Version: 2, PrimaryColor: "red"})
	requireStatus(t, err, http.StatusUnprocessableEntity, CodeInvalid)
	_, err = h.client.PutKeys(ctx, "agt_1", KeySet{Version: 2, Keys: []Key{{ID: "k", Hash: "abc", Scopes: []string{ScopeMCP}}}})
	requireStatus(t, err, http.StatusUnprocessableEntity, CodeInvalid)
	_, err = h.client.PutKnowledge(ctx, "agt_1", Knowledge{Version: 2, QA: []QAPair{{ID: "q", Question: "?"}}})
	requireStatus(t, err, http.StatusUnprocessableEntity, CodeInvalid)
	_, err = h.client.PutPersona(ctx, "missing", Persona{Version: 1})
	requireStatus(t, err, http.StatusNotFound, CodeNotFound)
}

func TestSuspendResumeDelete_AreIdempotent(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	ctx := context.Background()
	for range 2 {
		d, err := h.client.Suspend(ctx, "agt_1")
		require.NoError(t, err)
		require.Equal(t, StatusSuspended, d.Status)
	}
	for range 2 {
		d, err := h.client.Resume(ctx, "agt_1")
		require.NoError(t, err)
		require.Equal(t, StatusRunning, d.Status)
	}
	for range 2 {
		require.NoError(t, h.client.DeleteDeployment(ctx, "agt_1"))
	}
	_, err := h.client.GetDeployment(ctx, "agt_1")
	requireStatus(t, err, http.StatusNotFound, CodeNotFound)
	_, err = h.client.Suspend(ctx, "agt_1")
	requireStatus(t, err, http.StatusNotFound, CodeNotFound)
}

func TestOutage_Answers503AndIsNotPermanent(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	ctx := context.Background()
	req := CreateDeploymentRequest{ID: "agt_1", Package: testPackage}

	h.rt.SetAvailable(false)
	_, err := h.client.CreateDeployment(ctx, req)
	requireStatus(t, err, http.StatusServiceUnavailable, CodeUnavailable)
	require.False(t, IsPermanent(err), "an outage must delay the order, not fail it")
	_, err = h.client.Chat(ctx, "agt_1", widgetKey, "hi")
	requireStatus(t, err, http.StatusServiceUnavailable, CodeUnavailable)

	h.rt.SetAvailable(true)
	d, err := h.client.CreateDeployment(ctx, req)
	require.NoError(t, err)
	require.Equal(t, StatusRunning, d.Status)
}

func TestIsPermanent_ClassifiesStatuses(t *testing.T) {
	for status, want := range map[int]bool{
		400: true, 401: true, 403: true, 404: true, 422: true,
		408: false, 409: false, 429: false, 500: false, 502: false, 503: false,
	} {
		require.Equal(t, want, IsPermanent(&Error{Status: status}), status)
	}
	require.False(t, IsPermanent(errors.New("connection refused")))

	// A dead runtime is a network error: retry.
	_, err := NewClient("http://127.0.0.1:1", testToken, nil).GetDeployment(context.Background(), "agt_1")
	require.Error(t, err)
	require.False(t, IsPermanent(err))
}
