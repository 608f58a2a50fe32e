export { ApiModule } from './api.module';
export { createApi } from './api.bootstrap';
