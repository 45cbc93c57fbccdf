package sitekit

import (
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// deploymentID keeps IDs safe to embed in a URL path unescaped.
var deploymentID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// validateCreate checks a create request before anything is stored.
func validateCreate(req CreateDeploymentRequest) error {
	if !deploymentID.MatchString(req.ID) {
		return newError(CodeInvalid, "id must be 1-128 letters, digits, '.', '_' or '-'")
	}
	if v := validatePackage(req.Package); !v.Valid {
		return newError(CodeInvalidPackage, "%s", v.Reason)
	}
	if req.HeartbeatURL != "" {
		u, err := url.Parse(req.HeartbeatURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return newError(CodeInvalid, "heartbeat_url must be an absolute http(s) URL")
		}
		if req.HeartbeatSecret == "" {
			return newError(CodeInvalid, "heartbeat_secret is required with heartbeat_url")
		}
	}
	if err := validatePersona(req.Persona); err != nil {
		return err
	}
	return validateBranding(req.Branding)
}

// createDeployment is idempotent on the ID: a repeat answers 200 with the
// deployment as it stands, so an activity retry after a lost response is
// harmless.
func (rt *Runtime) createDeployment(w http.ResponseWriter, r *http.Request) error {
	var req CreateDeploymentRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := validateCreate(req); err != nil {
		return err
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	status := http.StatusOK
	d, ok := rt.deployments[req.ID]
	if !ok {
		d = newDeployment(req, time.Now())
		rt.deployments[d.ID] = d
		rt.dirty = true
		status = http.StatusCreated
	}
	if err := rt.saveLocked(); err != nil {
		return err
	}
	writeJSON(w, status, rt.toAPIDeployment(d))
	return nil
}

func (rt *Runtime) getDeployment(w http.ResponseWriter, r *http.Request) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, err := rt.lookupLocked(r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rt.toAPIDeployment(d))
	return nil
}

// deleteDeployment answers 204 whether or not the deployment existed, so a
// deprovisioning retry never fails.
func (rt *Runtime) deleteDeployment(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if _, ok := rt.deployments[id]; ok {
		delete(rt.deployments, id)
		delete(rt.servers, id)
		rt.dirty = true
	}
	if err := rt.saveLocked(); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rt *Runtime) suspendDeployment(w http.ResponseWriter, r *http.Request) error {
	return rt.setStatus(w, r, StatusSuspended)
}

func (rt *Runtime) resumeDeployment(w http.ResponseWriter, r *http.Request) error {
	return rt.setStatus(w, r, StatusRunning)
}

// setStatus is idempotent: setting the current status again is a no-op 200.
func (rt *Runtime) setStatus(w http.ResponseWriter, r *http.Request, status string) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, err := rt.lookupLocked(r.PathValue("id"))
	if err != nil {
		return err
	}
	if d.Status != status {
		d.Status = status
		rt.dirty = true
	}
	if err := rt.saveLocked(); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rt.toAPIDeployment(d))
	return nil
}

// validatePackage always answers 200: an invalid reference is a verdict,
// not a failed call.
func (rt *Runtime) validatePackage(w http.ResponseWriter, r *http.Request) error {
	var req ValidatePackageRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, validatePackage(req.Package))
	return nil
}
