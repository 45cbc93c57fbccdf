package sitekit

import "time"

// reply is the answer engine's output, shared by the MCP ask tool and the
// widget chat so both channels say the same thing.
type reply struct {
	text        string
	personaName string
	source      string
	matchID     string
}

// respond answers question for deployment id and counts one unit of usage.
// The index is immutable, so retrieval runs outside the lock.
func (rt *Runtime) respond(id, question, unit string) (reply, error) {
	rt.mu.Lock()
	d, err := rt.lookupLocked(id)
	if err != nil {
		rt.mu.Unlock()
		return reply{}, err
	}
	ix, name, greeting := d.index, d.personaName(), d.Persona.Greeting
	d.Usage[unit]++
	rt.usageDirty = true
	rt.mu.Unlock()

	m := ix.find(question)
	return reply{
		text:        speak(m, name, greeting, ix.topics),
		personaName: name,
		source:      m.source,
		matchID:     m.id,
	}, nil
}

// Profile is the get_profile tool's structured output: who the agent is and
// which knowledge it answers from.
type Profile struct {
	PersonaName      string   `json:"persona_name"`
	Greeting         string   `json:"greeting"`
	Tone             string   `json:"tone"`
	Language         string   `json:"language"`
	Rules            []string `json:"rules,omitempty"`
	AgentName        string   `json:"agent_name"`
	Offering         string   `json:"offering"`
	Plan             string   `json:"plan"`
	Package          string   `json:"package"`
	KnowledgeVersion int64    `json:"knowledge_version"`
	Topics           []string `json:"topics,omitempty"`
}

// profile reads a deployment's profile and counts one unit of usage.
func (rt *Runtime) profile(id, unit string) (Profile, error) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, err := rt.lookupLocked(id)
	if err != nil {
		return Profile{}, err
	}
	d.Usage[unit]++
	rt.usageDirty = true
	return Profile{
		PersonaName:      d.personaName(),
		Greeting:         d.Persona.Greeting,
		Tone:             d.Persona.Tone,
		Language:         d.Persona.Language,
		Rules:            d.Persona.Rules,
		AgentName:        d.AgentName,
		Offering:         d.OfferingSlug,
		Plan:             d.Plan,
		Package:          d.Package,
		KnowledgeVersion: d.Knowledge.Version,
		Topics:           d.Knowledge.Topics,
	}, nil
}

// recordRequest feeds one served request into the heartbeat metrics.
func (rt *Runtime) recordRequest(id string, status int, elapsed time.Duration) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	d, ok := rt.deployments[id]
	if !ok {
		return
	}
	d.RequestsTotal++
	rt.usageDirty = true
	d.metrics.observe(status >= 500, elapsed)
}
