/** Job types the tests declare, as a user would, so `enqueue` and `define` check their data. */
declare module "../../src/jobs/job.js" {
  interface JobTypes {
    "typed-invoice": { invoiceId: string; copyTo?: string };
  }
}

export {};
