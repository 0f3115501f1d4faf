// The engine strips secret markers before it calls a dynamic provider (the provider declares
// acceptSecrets: false), while the mocks record them: tests check the marker is there and give
// the provider what the engine would.
export { isSecretValue, unwrapSecrets } from "../../shared/secretEnvelope";
