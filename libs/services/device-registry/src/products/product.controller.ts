import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ZodValidationPipe, markerPagingOf } from '@nidus/platform-iotda-http';
import {
  type AddProduct,
  type ListProductsQuery,
  type UpdateProduct,
  addProductSchema,
  listProductsQuerySchema,
  productAppQuerySchema,
  updateProductSchema,
} from './product.dto';
import { toProductDto, toProductSummary } from './product.mapper';
import { ProductService } from './product.service';

/** Products and product models, spec 05 §3.2. */
@Controller('v5/iot/:project_id/products')
export class ProductController {
  constructor(private readonly products: ProductService) {}

  @Post()
  async create(
    @Param('project_id') project: string,
    @Body(new ZodValidationPipe(addProductSchema)) body: AddProduct,
  ) {
    const { product, appName } = await this.products.create(project, body);
    return toProductDto(product, appName);
  }

  @Get()
  async list(
    @Param('project_id') project: string,
    @Query() raw: Record<string, unknown>,
    @Query(new ZodValidationPipe(listProductsQuerySchema)) query: ListProductsQuery,
  ) {
    const page = await this.products.list(project, query, markerPagingOf(raw));
    return {
      products: page.items.map((i) => toProductSummary(i.data, page.names.get(i.data.app_id) ?? '')),
      page: { count: page.count, marker: page.marker },
    };
  }

  @Get(':product_id')
  async show(
    @Param('project_id') project: string,
    @Param('product_id') productId: string,
    @Query(new ZodValidationPipe(productAppQuerySchema)) query: { app_id?: string },
  ) {
    const { product, appName } = await this.products.show(project, productId, query.app_id);
    return toProductDto(product, appName);
  }

  @Put(':product_id')
  async update(
    @Param('project_id') project: string,
    @Param('product_id') productId: string,
    @Body(new ZodValidationPipe(updateProductSchema)) body: UpdateProduct,
  ) {
    const { product, appName } = await this.products.update(project, productId, body);
    return toProductDto(product, appName);
  }

  @Delete(':product_id')
  @HttpCode(204)
  async delete(
    @Param('project_id') project: string,
    @Param('product_id') productId: string,
    @Query(new ZodValidationPipe(productAppQuerySchema)) query: { app_id?: string },
  ): Promise<void> {
    await this.products.delete(project, productId, query.app_id);
  }
}
