export { User, ROLES, type Role } from './user.entity';
export { ApiKey } from './api-key.entity';
export { authRouter } from './auth.routes';
export { loadUser } from './load-user';
export { usersPagesRouter } from './users.pages';
export { apiKeysPagesRouter } from './api-keys.pages';
export { createUser, userCount, type NewUser } from './users.service';
export { createApiKey, authenticateApiKey } from './api-keys.service';
