/** Lets messaging tests run without building the apps: `npx jest test/messaging --globalSetup ./test/messaging/support/no-global-setup.ts`. */
export default function noGlobalSetup(): void {}
