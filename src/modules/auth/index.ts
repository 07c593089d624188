export { User, ROLES, type Role } from './user.entity';
export { ApiKey } from './api-key.entity';
export { loadUser } from './load-user';
export { createUser, userCount, type NewUser } from './users.service';
export { createApiKey, authenticateApiKey } from './api-keys.service';
