package server

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/botctl/botctl/engine/turn"
)

// metrics are the server's Prometheus collectors. Names and labels are part
// of the operations docs (docs/operations.md); keep them stable.
type metrics struct {
	turns         *prometheus.CounterVec   // bot, input, outcome
	turnSeconds   *prometheus.HistogramVec // bot
	conversations *prometheus.GaugeVec     // bot, owner
	created       *prometheus.CounterVec   // bot
	calls         *prometheus.CounterVec   // bot, integration, result
	storeErrors   *prometheus.CounterVec   // op
	conflicts     prometheus.Counter
	requests      *prometheus.CounterVec // route, code
	migrations    *prometheus.CounterVec // bot, outcome
	unknown       *prometheus.CounterVec // bot, effect
	erased        *prometheus.CounterVec // reason
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_turns_total",
			Help: "Turns run, by bot, input (start, message, event) and outcome (ok, refused, error).",
		}, []string{"bot", "input", "outcome"}),
		turnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "botctl_turn_duration_seconds",
			Help:    "Time from a turn's input to its commit, integration calls included.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"bot"}),
		conversations: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "botctl_conversations",
			Help: "Conversations this process created or moved, by bot and current owner (bot, agent, closed), since it started; sum over replicas.",
		}, []string{"bot", "owner"}),
		created: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_conversations_created_total",
			Help: "Conversations created, by bot.",
		}, []string{"bot"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_integration_calls_total",
			Help: "Integration calls, by bot, integration and result (2xx, 3xx, 4xx, 5xx, or error for no response).",
		}, []string{"bot", "integration", "result"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_store_errors_total",
			Help: "Store operations that failed (not counting not-found and version conflicts), by operation.",
		}, []string{"op"}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "botctl_store_conflicts_total",
			Help: "Turns rerun because another replica changed the conversation first.",
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_http_requests_total",
			Help: "HTTP requests, by route and status code.",
		}, []string{"route", "code"}),
		migrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_version_migrations_total",
			Help: "Turns of conversations on another version of their bot than the current one, by bot and outcome (migrated, kept, upgraded_at_rest, version_missing).",
		}, []string{"bot", "outcome"}),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_effects_outcome_unknown_total",
			Help: "Effects (call, transfer, upload) whose performer stopped before storing the result, delivered as outcome unknown, by bot and effect.",
		}, []string{"bot", "effect"}),
		erased: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "botctl_conversations_erased_total",
			Help: "Conversations erased, by reason (request: DELETE of the conversation, user: DELETE of its user, retention: older than --retention).",
		}, []string{"reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.turns, m.turnSeconds, m.conversations, m.created, m.calls, m.storeErrors, m.conflicts, m.requests,
			m.migrations, m.unknown, m.erased)
	}
	return m
}

func (m *metrics) turn(bot, input, outcome string, d time.Duration) {
	m.turns.WithLabelValues(bot, input, outcome).Inc()
	if outcome == "ok" {
		m.turnSeconds.WithLabelValues(bot).Observe(d.Seconds())
	}
}

func (m *metrics) migration(bot, outcome string) {
	m.migrations.WithLabelValues(bot, outcome).Inc()
}

func (m *metrics) call(bot, integration string, r turn.CallResult) {
	result := "error"
	if r.Status >= 100 && r.Error == "" {
		result = strconv.Itoa(r.Status/100) + "xx"
	}
	m.calls.WithLabelValues(bot, integration, result).Inc()
}

// owner moves a conversation in the gauge from one bot and owner to
// another ("" for none: a new conversation).
func (m *metrics) owner(fromBot, from, toBot, to string) {
	if fromBot == toBot && from == to {
		return
	}
	if from != "" {
		m.conversations.WithLabelValues(fromBot, from).Dec()
	}
	if to != "" {
		m.conversations.WithLabelValues(toBot, to).Inc()
	}
}
