/** SSM Parameter Store: reads one SecureString (decrypted). */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError } from '../errors.js';

/** The decrypted value of a SecureString parameter; ConfigError when it is missing or empty. */
export async function getSecureString(ssm: SSMClient, name: string): Promise<string> {
  try {
    const r = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    const v = r.Parameter?.Value;
    if (!v) throw new ConfigError(`SSM parameter ${name} is empty`);
    return v;
  } catch (err) {
    if ((err as Error).name === 'ParameterNotFound') throw new ConfigError(`SSM parameter ${name} does not exist`);
    throw err;
  }
}
