// Loaded before every test file (.mocharc.js "require"): whatever runs under the tests talks to
// loopback only; the program's own Vercel calls refuse any other host (checks/vercelApi.ts).
process.env.GOLIVE_LOOPBACK_ONLY = "1";
