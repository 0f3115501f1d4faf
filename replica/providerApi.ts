// The contract between the engines and the replica's provider behaviour: what a resource handler
// is asked (create, update, delete, or read for an import) and what it answers. The mock engine
// calls the handlers in-process; the replica provider plugins reach the same handlers through the
// service API (replica/control.ts).

/** One resource as the state holds it between phases. */
export interface ResourceState {
    /** `type::name`: the mock runtime does not pass the parent, and the program's names are unique. */
    key: string;
    type: string;
    name: string;
    id: string;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
    /** Resource options recorded in the state (the engine reads them from the old state). */
    retainOnDelete?: boolean;
    /** The import id the resource was registered with. */
    importId?: string;
}

/** What a provider handler is asked to do. `olds` is the previous state (update, delete). */
export interface ProviderRequest {
    /** `read`: an import reads the live resource by id (answer undefined when it does not exist). */
    op: "create" | "update" | "delete" | "read";
    type: string;
    name: string;
    /** Inputs with secrets unwrapped, as a provider receives them. */
    inputs: Record<string, any>;
    /** The import id (import) or the state's id (update, delete). */
    id?: string;
    olds?: ResourceState;
}

export type ResourceHandler = (req: ProviderRequest) => Promise<{ id?: string; inputs?: Record<string, any>; outputs?: Record<string, any> } | void>;
export type InvokeHandler = (inputs: Record<string, any>) => Promise<Record<string, any>> | Record<string, any>;
