// Types for the matchers `Testing.setupJest()` registers (cdktf ships them untyped for jest 30).
export {};
declare global {
  namespace jest {
    interface Matchers<R> {
      toHaveResource(type: { tfResourceType: string }): R;
      toHaveResourceWithProperties(type: { tfResourceType: string }, properties: Record<string, unknown>): R;
      toHaveDataSource(type: { tfResourceType: string }): R;
      toHaveDataSourceWithProperties(type: { tfResourceType: string }, properties: Record<string, unknown>): R;
      toHaveProvider(type: { tfResourceType: string }): R;
      toHaveProviderWithProperties(type: { tfResourceType: string }, properties: Record<string, unknown>): R;
      toBeValidTerraform(): R;
      toPlanSuccessfully(): R;
    }
  }
}
