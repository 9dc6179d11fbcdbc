// Package web is the HTTP toolkit every handler of the library is built
// on, so that each rule exists once:
//
//   - reading a request body: one size limit, one Content-Type rule
//     ([ReadBody], [ReadEventBody], [Decode]);
//   - the webhook answer policy shared by Toss and Stripe
//     ([AnswerWebhook]);
//   - field checks and the one truncation helper ([Text], [Email],
//     [SafeChars], [Clip]);
//   - the allowed redirect origins ([Origins]), admin authorization
//     ([Admin]), Idempotency-Key replay ([ReplayCache]) and the router that
//     answers JSON 404 and 405 ([Router]).
//
// JSON itself is package httpjson.
package web
