// What a rehearsal started (replica servers, engine, probers, repository), ended with it: each thing
// is added the moment it starts, and `stopAll` ends them last first, trying every stop even when
// one before it threw, so a rehearsal that fails half-way leaves nothing running.

export class Started {
    private readonly stops: Array<() => unknown> = [];

    /** Registers `thing`'s stop and returns the thing. */
    add<T>(thing: T, stop: (t: T) => unknown): T {
        this.stops.push(() => stop(thing));
        return thing;
    }

    /** Ends everything added, last first; throws the first stop's error after trying them all. */
    async stopAll(): Promise<void> {
        const errors: unknown[] = [];
        for (const stop of this.stops.splice(0).reverse()) {
            try {
                await stop();
            } catch (err) {
                errors.push(err);
            }
        }
        if (errors.length > 0) throw errors[0];
    }
}
