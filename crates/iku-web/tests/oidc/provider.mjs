// A real OpenID Connect provider (the npm package oidc-provider) on loopback, for the login
// tests: node provider.mjs PORT REDIRECT_URI. Its users and their groups are below; any
// password logs in (the development login form). Prints "listening" when it is.
import Provider from 'oidc-provider';

const [port, redirect] = [Number(process.argv[2]), process.argv[3]];
const users = {
  'dora.director': ['iku-directors'],
  'cora.caseworker': ['iku-caseworkers', 'iku-office-tampere'],
  'two.hats': ['iku-directors', 'iku-admins'],
  'no.groups': [],
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'iku',
    client_secret: 'a client secret for the tests only',
    redirect_uris: [redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  scopes: ['openid', 'profile', 'groups'],
  claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
  async findAccount(ctx, sub) {
    if (!(sub in users)) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, preferred_username: sub, groups: users[sub] };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['tests only'] },
});
// The development login form serves http; the provider trusts it on loopback.
provider.proxy = true;
provider.listen(port, '127.0.0.1', () => console.log('listening'));
