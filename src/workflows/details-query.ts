// The Web UI's "current details" of a warehouse, built when they are read rather than on every tick. The Web UI reads
// them through the SDK's built-in metadata query, which the SDK answers without the inbound interceptors
// (`queryWorkflow` in its internals.ts skips them for `__temporal_` queries), so an internals interceptor builds them
// when an activation brings that query, just before the SDK answers it: an idle warehouse's tick then builds no
// markdown at all (at thousands of cached warehouses the table was rebuilt, and its string kept, thousands of times a
// minute for a page an operator opens now and then). Registered as a workflow interceptor module (src/worker.ts); its
// state is per workflow, as every module of the bundle that is not preloaded.
import { setCurrentDetails, workflowMetadataQuery, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

let build: (() => string) | undefined;

/** What this workflow's details say when they are read; a workflow that sets none shows none. */
export function detailsWhenRead(details: () => string): void {
  build = details;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        if (build && input.activation.jobs?.some((j) => j.queryWorkflow?.queryType === workflowMetadataQuery.name))
          setCurrentDetails(build());
        next(input);
      },
    },
  ],
});
