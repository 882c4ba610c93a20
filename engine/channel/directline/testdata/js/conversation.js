// A three-turn conversation with buttons through Microsoft's Direct Line
// client, as the Go test TestDirectLineJS runs it:
//
//   node conversation.js DOMAIN TOKEN websocket|polling
//
// In Node, directlinejs needs a WebSocket and an XMLHttpRequest; its
// README names ws and xhr2 for them. Each activity received is printed as
// one JSON line; the exit status says whether the conversation went as
// expected.
global.XMLHttpRequest = require('xhr2');
global.WebSocket = require('ws');
const { DirectLine, ConnectionStatus } = require('botframework-directlinejs');

const [domain, token, mode] = process.argv.slice(2);
const dl = new DirectLine({ domain, token, webSocket: mode === 'websocket', pollingInterval: 200 });

const fail = msg => {
  console.error('FAIL: ' + msg);
  process.exit(1);
};
setTimeout(() => fail('timed out'), 30000);

// Each step waits for a bot activity the predicate accepts, then answers.
const steps = [
  { want: a => a.text === 'Welcome to Pizza Bot! Which size?' && buttons(a) === 'Small|Large', answer: 'Large' },
  { want: a => a.text === 'A Large pizza. What name is the order under?', answer: 'Ada' },
  { want: a => a.text === 'Thanks, Ada: your Large pizza is on its way.' && buttons(a) === 'Order again|Talk to an agent', answer: 'bye' },
  { want: a => a.text === 'Bye!' },
  { want: a => a.type === 'endOfConversation' }
];
const buttons = a => ((a.suggestedActions || {}).actions || []).map(b => b.type + ':' + b.value).join('|').replace(/imBack:/g, '');

let step = 0;
const echoed = new Set();
dl.connectionStatus$.subscribe(s => {
  if (s === ConnectionStatus.FailedToConnect || s === ConnectionStatus.ExpiredToken) fail('connection status ' + s);
});
dl.activity$.subscribe(
  a => {
    console.log(JSON.stringify({ type: a.type, id: a.id, from: a.from, text: a.text, buttons: buttons(a) }));
    if (a.from.role !== 'bot') {
      echoed.add(a.text);
      return;
    }
    const s = steps[step];
    if (!s || !s.want(a)) fail('unexpected activity at step ' + (step + 1) + ': ' + JSON.stringify(a));
    step++;
    if (s.answer) {
      dl.postActivity({ type: 'message', from: { id: 'ada' }, text: s.answer }).subscribe(
        id => { if (!id || id === 'retry') fail('post answered ' + id); },
        err => fail('post: ' + err.message)
      );
    }
    if (step === steps.length) {
      if (!['Large', 'Ada', 'bye'].every(t => echoed.has(t))) fail('the user messages were not all echoed: ' + [...echoed]);
      console.log('OK');
      dl.end();
      process.exit(0);
    }
  },
  err => fail('activity$: ' + err)
);
