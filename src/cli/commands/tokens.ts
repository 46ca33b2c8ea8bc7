/**
 * gaffer token create --scope S [--name N] | list | revoke ID
 */
import { Command, Option } from 'commander';
import { TOKEN_SCOPES, type TokenScope } from '../../db/vocabulary.js';
import { connect, type GlobalOptions } from '../context.js';
import { table } from '../format.js';
import type { CliIo } from '../io.js';

export function registerTokenCommands(program: Command, io: CliIo): void {
  const token = program.command('token').description('manage API tokens (admin)');
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();

  token
    .command('create')
    .description('create a token; it is printed once')
    .addOption(new Option('--scope <scope>', 'what the token may do').choices(TOKEN_SCOPES).makeOptionMandatory())
    .option('--name <name>', 'a label to recognise it by')
    .option('--json', 'print JSON')
    .action(async (opts: { scope: TokenScope; name?: string; json?: boolean }) => {
      const api = await connect(globals());
      try {
        const created = await api.createToken({ name: opts.name ?? `${opts.scope} token`, scope: opts.scope });
        if (opts.json) io.stdout(JSON.stringify(created, null, 2));
        else {
          io.stdout(created.token);
          io.stderr(`created ${created.scope} token ${created.id} ("${created.name}"); it is shown only this once`);
        }
      } finally {
        await api.close();
      }
    });

  token
    .command('list')
    .description('list tokens (never their values)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const api = await connect(globals());
      try {
        const tokens = await api.listTokens();
        if (opts.json) io.stdout(JSON.stringify({ tokens }, null, 2));
        else {
          io.stdout(
            table(
              tokens.map((t) => [t.id, t.scope, t.name, `${t.prefix}…`, t.createdAt.slice(0, 19), t.revokedAt ? 'revoked' : 'active']),
              ['ID', 'SCOPE', 'NAME', 'PREFIX', 'CREATED', 'STATE'],
            ),
          );
        }
      } finally {
        await api.close();
      }
    });

  token
    .command('revoke <id>')
    .description('revoke a token')
    .action(async (id: string) => {
      const api = await connect(globals());
      try {
        await api.revokeToken(id);
        io.stdout(`revoked ${id}`);
      } finally {
        await api.close();
      }
    });
}
