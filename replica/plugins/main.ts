// Entry point of a replica provider plugin: `main.ts <package> <engine address>`. The engine starts
// it (through the pulumi-resource-<package> script replica/engineWorkspace installs) and reads its port.
import { main } from "@pulumi/pulumi/provider";
import { ReplicaProvider } from "./provider";

// The SDK's provider server reads `properties` of every Read request, but an import sends none:
// an empty Struct is what the engine means (bridged providers treat it so).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const provproto = require("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const structproto = require("google-protobuf/google/protobuf/struct_pb");
for (const getter of ["getProperties", "getInputs"]) {
    const original = provproto.ReadRequest.prototype[getter];
    provproto.ReadRequest.prototype[getter] = function (this: unknown) {
        return original.call(this) ?? new structproto.Struct();
    };
}

const [pkg, ...args] = process.argv.slice(2);
main(new ReplicaProvider(pkg), args).catch((err) => {
    process.stderr.write(`replica ${pkg} provider: ${(err as Error)?.stack ?? err}\n`);
    process.exit(1);
});
