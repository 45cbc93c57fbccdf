package sitekit

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPutPlan_ReplacesNameAndLimitsAndIgnoresLowerVersions(t *testing.T) {
	h := newHarness(t, RuntimeConfig{})
	h.deploy("agt_1")
	ctx := context.Background()

	res, err := h.client.PutPlan(ctx, "agt_1", Plan{Version: 10, Plan: "Enterprise", Limits: map[string]int64{"seats": 50}})
	require.NoError(t, err)
	require.Equal(t, PutResult{Version: 10, Applied: true}, res)

	// A delayed retry of the earlier change must not roll the upgrade back.
	res, err = h.client.PutPlan(ctx, "agt_1", Plan{Version: 9, Plan: "Starter", Limits: map[string]int64{"messages": 10}})
	require.NoError(t, err)
	require.Equal(t, PutResult{Version: 10, Applied: false}, res)

	d, err := h.client.GetDeployment(ctx, "agt_1")
	require.NoError(t, err)
	require.Equal(t, "Enterprise", d.Plan)
	require.Equal(t, map[string]int64{"seats": 50}, d.Limits, "limits are replaced in full, not merged")
	require.Equal(t, int64(10), d.Versions.Plan)
	require.Equal(t, "Enterprise", getProfile(t, mustConnectMCP(t, h.mcpURL("agt_1"), testKey)).Plan)

	_, err = h.client.PutPlan(ctx, "agt_1", Plan{Version: 11, Plan: " "})
	requireStatus(t, err, http.StatusUnprocessableEntity, CodeInvalid)
	_, err = h.client.PutPlan(ctx, "agt_1", Plan{Version: 11, Plan: "Pro", Limits: map[string]int64{"messages": -1}})
	requireStatus(t, err, http.StatusUnprocessableEntity, CodeInvalid)
	_, err = h.client.PutPlan(ctx, "missing", Plan{Version: 1, Plan: "Pro"})
	requireStatus(t, err, http.StatusNotFound, CodeNotFound)
}
