declare module 'asl-validator' {
  interface Result {
    isValid: boolean;
    errors: unknown[];
    errorsText: (separator?: string) => string;
  }
  export default function aslValidator(definition: unknown, opts?: Record<string, unknown>): Promise<Result>;
}
